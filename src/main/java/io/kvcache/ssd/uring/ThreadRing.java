package io.kvcache.ssd.uring;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The ring of one thread with its request pump and the state of the registered region on it (not tried yet,
 * registered, or failed once and never retried).
 *
 * <p>Not thread-safe: used only by its owner thread; {@link ThreadRings} closes it (when the owner died, the ring
 * broke, or the engine closes).
 */
public final class ThreadRing {
  private enum FixedState { UNTRIED, REGISTERED, FAILED }

  private final IoUring ring;
  private final RequestPump pump;
  private final Thread owner;
  private final RegisteredRegion region;
  private final ThreadRings rings;
  private FixedState fixedState = FixedState.UNTRIED;

  ThreadRing(IoUring ring, int depth, Thread owner, RegisteredRegion region, ThreadRings rings) {
    this.ring = ring;
    this.pump = new RequestPump(ring, depth, rings.stats());
    this.owner = owner;
    this.region = region;
    this.rings = rings;
  }

  Thread owner() {
    return owner;
  }

  IoUring ring() {
    return ring;
  }

  /** The ring's fd: distinct per live ring, which tests use to tell rings apart. */
  public int ringFd() {
    return ring.fd();
  }

  /**
   * The registered-buffer index to use for a read into [address, address+length), or -1 for a plain read. Registers the
   * region on this ring the first time a read targets it; a failure is logged and counted once, and this ring then
   * uses plain reads.
   */
  public int fixedBufferIndex(long address, long length) {
    if (region == null || fixedState == FixedState.FAILED) {
      return -1;
    }
    int index = region.bufferIndex(address, length);
    if (index < 0) {
      return -1;
    }
    if (fixedState == FixedState.UNTRIED) {
      fixedState = rings.registerRegion(this, region) ? FixedState.REGISTERED : FixedState.FAILED;
      if (fixedState == FixedState.FAILED) {
        return -1;
      }
    }
    return index;
  }

  /** A read of [address, address+length) at {@code fileOffset}: READ_FIXED inside the registered region, else READ. */
  public RwRequest read(int fd, long address, int length, long fileOffset, int eofAlignment) {
    int bufIndex = fixedBufferIndex(address, length);
    if (bufIndex >= 0) {
      rings.stats().fixedReads.increment();
      return new RwRequest(IoUringConstants.IORING_OP_READ_FIXED, fd, address, length, fileOffset, bufIndex,
          eofAlignment);
    }
    rings.stats().plainReads.increment();
    return new RwRequest(IoUringConstants.IORING_OP_READ, fd, address, length, fileOffset, 0, eofAlignment);
  }

  /** A write of [address, address+length) at {@code fileOffset} (writes never use fixed buffers). */
  public RwRequest write(int fd, long address, int length, long fileOffset) {
    rings.stats().writes.increment();
    return new RwRequest(IoUringConstants.IORING_OP_WRITE, fd, address, length, fileOffset, 0, 1);
  }

  /** A READV (isRead) or WRITEV of {@code count} iovecs at {@code iovecs}. */
  public VectorRequest vector(boolean isRead, int fd, MemorySegment iovecs, int count, long fileOffset,
                              int eofAlignment) {
    (isRead ? rings.stats().plainReads : rings.stats().writes).increment();
    byte opcode = isRead ? IoUringConstants.IORING_OP_READV : IoUringConstants.IORING_OP_WRITEV;
    return new VectorRequest(opcode, fd, iovecs, count, fileOffset, eofAlignment);
  }

  /** Runs {@code requests} to completion on this ring; a ring failure discards the ring before rethrowing. */
  public void run(List<? extends UringRequest> requests) throws NativeIoException {
    try {
      pump.run(requests);
    } catch (NativeIoException | RuntimeException e) {
      rings.discardBroken(this);
      throw e;
    }
  }

  void close() {
    ring.close();
  }
}
