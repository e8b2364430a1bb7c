package io.kvcache.ssd.uring;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The process-wide memory region (the load buffers) that each ring registers with IORING_REGISTER_BUFFERS so that reads
 * into it can use READ_FIXED (no per-I/O page pinning). The kernel accepts at most 1 GiB per registered buffer, so the
 * region is registered as consecutive pieces of {@link IoUringConstants#MAX_REGISTERED_BUFFER_BYTES}; a read must lie
 * inside one piece to be fixed.
 *
 * <p>Immutable; thread-safe. It does not own the memory: the caller that allocated the segment keeps it alive until
 * every engine using it is closed.
 */
public final class RegisteredRegion {
  private final MemorySegment segment;
  private final long base;
  private final long size;
  private final long pieceBytes;

  public RegisteredRegion(MemorySegment segment) {
    this(segment, IoUringConstants.MAX_REGISTERED_BUFFER_BYTES);
  }

  RegisteredRegion(MemorySegment segment, long pieceBytes) {
    if (!segment.isNative()) {
      throw new IllegalArgumentException("registered region must be native memory");
    }
    if (segment.byteSize() == 0 || segment.address() % 4096 != 0 || segment.byteSize() % 4096 != 0) {
      throw new IllegalArgumentException("registered region must be non-empty, 4096-aligned and a multiple of 4096 bytes;"
          + " got address 0x" + Long.toHexString(segment.address()) + " size " + segment.byteSize());
    }
    this.segment = segment;
    this.base = segment.address();
    this.size = segment.byteSize();
    this.pieceBytes = pieceBytes;
  }

  public MemorySegment segment() {
    return segment;
  }

  /** Number of registered buffers (1 GiB pieces) the region takes. */
  public int pieces() {
    return (int) ((size + pieceBytes - 1) / pieceBytes);
  }

  /** True when [address, address+length) lies inside the region. */
  public boolean contains(long address, long length) {
    return address >= base && length >= 0 && address - base <= size - length;
  }

  /** Index of the registered buffer that holds all of [address, address+length), or -1 if none does. */
  public int bufferIndex(long address, long length) {
    if (length <= 0 || !contains(address, length)) {
      return -1;
    }
    long first = (address - base) / pieceBytes;
    long last = (address - base + length - 1) / pieceBytes;
    return first == last ? (int) first : -1;
  }

  /** Registers the pieces on {@code ring}; 0 or -errno. */
  int registerOn(IoUring ring) {
    int count = pieces();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment iovecs = arena.allocate(count * IovecLayout.SIZE, IovecLayout.ALIGN);
      for (int i = 0; i < count; i++) {
        long offset = i * pieceBytes;
        iovecs.set(JAVA_LONG, i * IovecLayout.SIZE + IovecLayout.BASE, base + offset);
        iovecs.set(JAVA_LONG, i * IovecLayout.SIZE + IovecLayout.LEN, Math.min(pieceBytes, size - offset));
      }
      return ring.registerBuffers(iovecs, count); // the kernel copies the iovecs; they may go when this returns
    }
  }
}
