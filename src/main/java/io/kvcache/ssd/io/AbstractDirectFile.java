package io.kvcache.ssd.io;

import io.kvcache.ssd.uring.Errno;
import io.kvcache.ssd.uring.ThreadRings;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * What every {@link DirectFile} does before touching the disk: refuse event-loop threads and closed files, validate
 * offsets and buffers (a bad argument changes nothing), skip empty transfers; then delegate to the engine-specific
 * {@code do*} methods, which may assume valid arguments.
 *
 * <p>Thread-safe as far as this class goes (the closed flag is atomic); subclasses state their own guarantees.
 */
abstract class AbstractDirectFile implements DirectFile {
  protected final Path path;
  protected final Caching caching;
  private final Predicate<Thread> refusedThreads;
  private final AtomicBoolean closed = new AtomicBoolean();

  AbstractDirectFile(Path path, Caching caching, Predicate<Thread> refusedThreads) {
    this.path = path;
    this.caching = caching;
    this.refusedThreads = refusedThreads;
  }

  protected abstract long doRead(long offset, MemorySegment dst) throws IOException;

  protected abstract void doWrite(long offset, MemorySegment src) throws IOException;

  /** Runs the descs whose slot in {@code results} is still null and fills those slots. */
  protected abstract void doBatchRead(List<ReadDesc> descs, ReadResult[] results) throws IOException;

  protected abstract long doReadv(long offset, List<MemorySegment> dsts) throws IOException;

  protected abstract void doWritev(long offset, List<MemorySegment> srcs) throws IOException;

  protected abstract void doDatasync() throws IOException;

  protected abstract void doAllocate(long offset, long length) throws IOException;

  protected abstract void doClose() throws IOException;

  @Override
  public final Path path() {
    return path;
  }

  @Override
  public final Caching caching() {
    return caching;
  }

  @Override
  public final long read(long offset, MemorySegment dst) throws IOException {
    enter();
    IoChecks.check(offset, dst, true, caching);
    return dst.byteSize() == 0 ? 0 : doRead(offset, dst);
  }

  @Override
  public final void write(long offset, MemorySegment src) throws IOException {
    enter();
    IoChecks.check(offset, src, false, caching);
    if (src.byteSize() != 0) {
      doWrite(offset, src);
    }
  }

  @Override
  public final List<ReadResult> batchRead(List<ReadDesc> descs) throws IOException {
    enter();
    ReadResult[] results = new ReadResult[descs.size()];
    for (int i = 0; i < results.length; i++) {
      ReadDesc desc = descs.get(i);
      String why = IoChecks.whyInvalid(desc.offset(), desc.dst(), true, caching);
      if (why != null) {
        results[i] = ReadResult.failed(Errno.EINVAL, why);
      } else if (desc.dst().byteSize() == 0) {
        results[i] = ReadResult.ok(0);
      }
    }
    doBatchRead(descs, results);
    return Arrays.asList(results);
  }

  @Override
  public final long readv(long offset, List<MemorySegment> dsts) throws IOException {
    enter();
    checkVector(offset, dsts, true);
    return IoChecks.totalBytes(dsts) == 0 ? 0 : doReadv(offset, nonEmpty(dsts));
  }

  @Override
  public final void writev(long offset, List<MemorySegment> srcs) throws IOException {
    enter();
    checkVector(offset, srcs, false);
    if (IoChecks.totalBytes(srcs) != 0) {
      doWritev(offset, nonEmpty(srcs));
    }
  }

  @Override
  public final void datasync() throws IOException {
    enter();
    doDatasync();
  }

  @Override
  public final void allocate(long offset, long length) throws IOException {
    enter();
    if (offset < 0 || length <= 0) {
      throw new IllegalArgumentException("allocate needs offset >= 0 and length > 0, got " + offset + ", " + length);
    }
    doAllocate(offset, length);
  }

  @Override
  public final void close() throws IOException {
    if (closed.compareAndSet(false, true)) {
      doClose();
    }
  }

  final void enter() throws ClosedChannelException {
    ThreadRings.checkAllowed(refusedThreads);
    if (closed.get()) {
      throw new ClosedChannelException();
    }
  }

  private void checkVector(long offset, List<MemorySegment> buffers, boolean isRead) {
    for (MemorySegment buffer : buffers) {
      IoChecks.check(offset, buffer, isRead, caching);
    }
  }

  private static List<MemorySegment> nonEmpty(List<MemorySegment> buffers) {
    List<MemorySegment> out = new ArrayList<>(buffers.size());
    for (MemorySegment b : buffers) {
      if (b.byteSize() != 0) {
        out.add(b);
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + path + ", " + caching + "]";
  }
}
