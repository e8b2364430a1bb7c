package io.kvcache.ssd;

import io.kvcache.ssd.bucket.BucketStore;
import io.kvcache.ssd.bucket.BucketStoreOptions;
import io.kvcache.ssd.io.FileIo;
import io.kvcache.ssd.io.FileIos;
import io.kvcache.ssd.io.UringFileIo;
import io.kvcache.ssd.load.LoadBuffers;
import io.kvcache.ssd.load.LoadService;
import io.kvcache.ssd.uring.RegisteredRegion;
import io.kvcache.ssd.uring.ThreadRings;
import io.kvcache.ssd.uring.UringStats;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.LongSupplier;

/**
 * A storage node's SSD: the engine (io_uring or FileChannel), the bucket store on {@code ssd_dir} (recovered at open),
 * and the load-buffer region, registered with every ring as its fixed buffer. Owns all of them; {@link #close} after
 * every SSD thread is done.
 *
 * <p>Open and close do file I/O: call them off the event loop.
 */
public final class SsdNode implements AutoCloseable {
  private final Arena arena;
  private final FileIo io;
  private final BucketStore store;
  private final LoadBuffers buffers;
  private final LoadService loads;

  private SsdNode(Arena arena, FileIo io, BucketStore store, LoadBuffers buffers, LoadService loads) {
    this.arena = arena;
    this.io = io;
    this.store = store;
    this.buffers = buffers;
    this.loads = loads;
  }

  public static SsdNode open(BucketStoreOptions options, boolean useUring, int queueDepth, long loadBufferBytes,
                             long gcTtlMs, LongSupplier nowMs) throws IOException {
    Arena arena = Arena.ofShared();
    try {
      MemorySegment region = arena.allocate(loadBufferBytes, LoadBuffers.PAGE);
      FileIo io = FileIos.create(useUring, queueDepth, new RegisteredRegion(region), ThreadRings.EVENT_LOOP_THREADS);
      BucketStore store = BucketStore.open(io, options);
      LoadBuffers buffers = new LoadBuffers(region, gcTtlMs);
      LoadService loads = new LoadService(store, buffers, gcTtlMs, nowMs);
      return new SsdNode(arena, io, store, buffers, loads);
    } catch (IOException | RuntimeException e) {
      arena.close();
      throw e;
    }
  }

  public BucketStore store() {
    return store;
  }

  public LoadBuffers buffers() {
    return buffers;
  }

  public LoadService loads() {
    return loads;
  }

  /** "io_uring" or "filechannel". */
  public String engineName() {
    return io instanceof UringFileIo ? "io_uring" : "filechannel";
  }

  /** io_uring counters, or null on the FileChannel engine. */
  public UringStats uringStats() {
    return io instanceof UringFileIo uring ? uring.stats() : null;
  }

  @Override
  public void close() {
    try {
      io.close();
    } catch (Exception e) {
      throw new IllegalStateException("closing the SSD engine failed", e);
    } finally {
      arena.close();
    }
  }
}
