package io.kvcache.bench.ssd;

import io.kvcache.ssd.io.DirectFile;
import io.kvcache.ssd.io.ReadDesc;
import io.kvcache.ssd.io.ReadResult;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One benchmark workload on our engine: each {@link #step()} is one call into the {@link DirectFile} API moving
 * {@code blocksPerCall} blocks.
 * <ul>
 *   <li>{@code seqwrite}/{@code seqread}: one contiguous write/read of blocksPerCall × block bytes, which the engine
 *       splits into at most queue-depth requests submitted together.</li>
 *   <li>{@code randread}: one batchRead of blocksPerCall random block-aligned descs.</li>
 *   <li>{@code seqbatch}: one batchRead of blocksPerCall consecutive block-sized descs.</li>
 * </ul>
 * With more descs than the queue depth the engine keeps queue-depth reads in flight and refills as they complete;
 * destinations then cycle over {@link #DISTINCT_BUFFERS} blocks (contents are not checked, only throughput).
 *
 * <p>Not thread-safe: one workload per benchmark thread.
 */
interface Workload {
  int DISTINCT_BUFFERS = 64;

  /** One engine call; bytes moved. */
  long step() throws Exception;

  /** Bytes of (aligned) buffer memory the workload needs. */
  static long bufferBytes(String kind, int block, int blocksPerCall) {
    return (long) block * (kind.equals("seqwrite") || kind.equals("seqread") ? blocksPerCall
        : Math.min(blocksPerCall, DISTINCT_BUFFERS));
  }

  /** @param buffers 4096-aligned memory of {@link #bufferBytes} bytes */
  static Workload create(String kind, DirectFile file, MemorySegment buffers, int block, int blocksPerCall,
                         long fileBytes) {
    return switch (kind) {
      case "seqwrite" -> new Contiguous(file, buffers, fileBytes, true);
      case "seqread" -> new Contiguous(file, buffers, fileBytes, false);
      case "randread" -> new BatchRead(file, buffers, block, blocksPerCall, fileBytes, true);
      case "seqbatch" -> new BatchRead(file, buffers, block, blocksPerCall, fileBytes, false);
      default -> throw new IllegalArgumentException("unknown workload " + kind);
    };
  }

  final class Contiguous implements Workload {
    private final DirectFile file;
    private final MemorySegment buffer;
    private final long fileBytes;
    private final boolean write;
    private long offset;

    Contiguous(DirectFile file, MemorySegment buffer, long fileBytes, boolean write) {
      this.file = file;
      this.buffer = buffer;
      buffer.fill((byte) 0x5a);
      this.fileBytes = fileBytes - fileBytes % buffer.byteSize();
      this.write = write;
    }

    @Override
    public long step() throws Exception {
      if (offset >= fileBytes) {
        offset = 0;
      }
      long moved = buffer.byteSize();
      if (write) {
        file.write(offset, buffer);
      } else {
        moved = file.read(offset, buffer);
      }
      offset += buffer.byteSize();
      return moved;
    }
  }

  final class BatchRead implements Workload {
    private final DirectFile file;
    private final MemorySegment[] buffers;
    private final long blocks;
    private final int block;
    private final boolean random;
    private final SplittableRandom rng = new SplittableRandom(42);
    private final ReadDesc[] descs;
    private long next;

    BatchRead(DirectFile file, MemorySegment all, int block, int perCall, long fileBytes, boolean random) {
      this.file = file;
      this.block = block;
      this.blocks = fileBytes / block;
      this.random = random;
      int distinct = Math.min(perCall, DISTINCT_BUFFERS);
      buffers = new MemorySegment[distinct];
      for (int i = 0; i < distinct; i++) {
        buffers[i] = all.asSlice((long) i * block, block);
      }
      descs = new ReadDesc[perCall];
    }

    @Override
    public long step() throws Exception {
      for (int i = 0; i < descs.length; i++) {
        long blockIndex = random ? rng.nextLong(blocks) : next++ % blocks;
        descs[i] = new ReadDesc(blockIndex * block, buffers[i % buffers.length]);
      }
      long moved = 0;
      List<ReadResult> results = file.batchRead(Arrays.asList(descs));
      for (ReadResult r : results) {
        if (!r.isOk()) {
          throw new IllegalStateException(r.error());
        }
        moved += r.bytesRead();
      }
      return moved;
    }
  }
}
