package io.kvcache.segment;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;

/**
 * The off-heap DRAM a storage node contributes to the pool: one page-aligned region, owned (and closed) by this object.
 *
 * <p>The region is pre-faulted when created: on this VM first-touch page faults cost 4–7× the copy itself, so paying them
 * at startup keeps them off the put path. Slices are addressed by byte offset from the segment base; every access is
 * bounds-checked and fails with {@link IndexOutOfBoundsException}, never touches memory outside the region.
 *
 * <p>Thread-safety: the master hands out disjoint slices, so concurrent reads and writes of different slices from any
 * thread are safe. Closing while accesses are in flight is the caller's error (the shared arena then fails them).
 */
public final class DramSegment implements AutoCloseable {
  private static final long PAGE = 4096;

  private final Arena arena;
  private final MemorySegment memory;

  public DramSegment(long sizeBytes) {
    if (sizeBytes <= 0) {
      throw new IllegalArgumentException("segment size must be positive: " + sizeBytes);
    }
    this.arena = Arena.ofShared();
    this.memory = arena.allocate(sizeBytes, PAGE);
    prefault();
  }

  /** Touches one byte per page so the kernel maps every page now rather than on the first put. */
  private void prefault() {
    // Arena.allocate already zero-fills (which faults each page in); this explicit pass keeps the guarantee if the
    // JDK ever stops zeroing (e.g. -Djdk.internal.foreign... tuning) and is cheap next to the fill.
    for (long at = 0; at < memory.byteSize(); at += PAGE) {
      memory.set(ValueLayout.JAVA_BYTE, at, (byte) 0);
    }
  }

  public long size() {
    return memory.byteSize();
  }

  /** A view of {@code [offset, offset+length)} for zero-copy I/O; valid until {@link #close()}. */
  public MemorySegment slice(long offset, long length) {
    checkRange(offset, length);
    return memory.asSlice(offset, length);
  }

  public void write(long offset, byte[] source, int from, int length) {
    checkRange(offset, length);
    MemorySegment.copy(source, from, memory, ValueLayout.JAVA_BYTE, offset, length);
  }

  public void write(long offset, ByteBuffer source) {
    int length = source.remaining();
    checkRange(offset, length);
    memory.asSlice(offset, length).copyFrom(MemorySegment.ofBuffer(source));
  }

  /**
   * Writes {@code pieces} one after the other from {@code offset} (a value received in several network buffers): the
   * whole range is checked before any byte is copied, so a bad range writes nothing.
   */
  public void write(long offset, java.util.List<ByteBuffer> pieces) {
    long length = 0;
    for (ByteBuffer piece : pieces) {
      length += piece.remaining(); // at most 2^31 pieces of at most 2^31 bytes: cannot overflow
    }
    checkRange(offset, length);
    long at = offset;
    for (ByteBuffer piece : pieces) {
      int n = piece.remaining();
      memory.asSlice(at, n).copyFrom(MemorySegment.ofBuffer(piece));
      at += n;
    }
  }

  /** Sets {@code [offset, offset+length)} to zero. */
  public void zero(long offset, long length) {
    checkRange(offset, length);
    memory.asSlice(offset, length).fill((byte) 0);
  }

  public void read(long offset, byte[] target, int to, int length) {
    checkRange(offset, length);
    MemorySegment.copy(memory, ValueLayout.JAVA_BYTE, offset, target, to, length);
  }

  /** Copies {@code target.remaining()} bytes at {@code offset} into {@code target} (e.g. a direct buffer: off-heap to off-heap). */
  public void read(long offset, ByteBuffer target) {
    int length = target.remaining();
    checkRange(offset, length);
    MemorySegment.ofBuffer(target).copyFrom(memory.asSlice(offset, length));
  }

  /** Copies {@code target.byteSize()} bytes at {@code offset} into {@code target}. */
  public void read(long offset, MemorySegment target) {
    checkRange(offset, target.byteSize());
    MemorySegment.copy(memory, offset, target, 0, target.byteSize());
  }

  public byte[] read(long offset, int length) {
    byte[] out = new byte[length];
    read(offset, out, 0, length);
    return out;
  }

  private void checkRange(long offset, long length) {
    if (offset < 0 || length < 0 || offset > memory.byteSize() - length) {
      throw new IndexOutOfBoundsException("slice [" + offset + ", +" + length + ") outside segment of "
          + memory.byteSize() + " bytes");
    }
  }

  @Override
  public void close() {
    arena.close();
  }
}
