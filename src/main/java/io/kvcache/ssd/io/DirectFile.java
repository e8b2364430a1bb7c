package io.kvcache.ssd.io;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;

/**
 * A file opened for aligned I/O at explicit offsets. With {@link Caching#DIRECT} (O_DIRECT) every buffer address,
 * length and file offset must be a multiple of {@link #ALIGNMENT}; a violation is an {@link IllegalArgumentException}
 * (or, inside {@link #batchRead}, an EINVAL result for that desc alone) and nothing is read or written. Buffers are
 * native memory segments; a read never writes past its destination segment.
 *
 * <p>Thread-safe: any number of threads may do I/O on one file at once (each uses its own ring). {@link #close()} must
 * not race with I/O on the same file.
 */
public interface DirectFile extends AutoCloseable {
  /** Alignment of buffers, lengths and offsets for O_DIRECT I/O. */
  int ALIGNMENT = 4096;

  Path path();

  Caching caching();

  /** Current size in bytes. */
  long size() throws IOException;

  /**
   * Reads {@code dst.byteSize()} bytes at {@code offset}, split into at most queue-depth requests in flight.
   * @return bytes read: all of them, or fewer only at end of file
   */
  long read(long offset, MemorySegment dst) throws IOException;

  /** Writes all of {@code src} at {@code offset} (short writes are continued), or throws. */
  void write(long offset, MemorySegment src) throws IOException;

  /**
   * Independent reads, submitted together (up to queue depth in flight). Each desc gets its own result: bytes read, or
   * the errno that failed it. One bad desc never fails the others.
   * @throws IOException only if the I/O engine itself failed (then no desc has a trustworthy result)
   */
  List<ReadResult> batchRead(List<ReadDesc> descs) throws IOException;

  /** Scatter read at {@code offset} into {@code dsts} in order; bytes read (fewer only at end of file). */
  long readv(long offset, List<MemorySegment> dsts) throws IOException;

  /** Gather write of {@code srcs} in order at {@code offset}, or throws. */
  void writev(long offset, List<MemorySegment> srcs) throws IOException;

  /** Makes written data durable (fdatasync semantics). */
  void datasync() throws IOException;

  /** Reserves blocks for [offset, offset+length) and extends the file to cover it (fallocate mode 0). */
  void allocate(long offset, long length) throws IOException;

  @Override
  void close() throws IOException;
}
