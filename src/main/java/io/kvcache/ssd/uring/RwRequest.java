package io.kvcache.ssd.uring;

/**
 * A read or write of one contiguous buffer at a file offset: IORING_OP_READ, READ_FIXED (buffer inside registered
 * buffer {@code bufIndex}) or WRITE. Length at most {@link #MAX_LENGTH} (the kernel's per-call cap, page aligned).
 *
 * <p>Not thread-safe; see {@link UringRequest}.
 */
public final class RwRequest extends UringRequest {
  /** Largest length one read/write call moves (Linux MAX_RW_COUNT = INT_MAX rounded down to a page). */
  public static final int MAX_LENGTH = Integer.MAX_VALUE & ~4095;

  private final byte opcode;
  private final long address;
  private final int length;
  private final long fileOffset;
  private final int bufIndex;
  private final int eofAlignment;

  /**
   * @param eofAlignment for reads on O_DIRECT files, the alignment (4096) below which a short result means end of file
   *     (the kernel only returns an unaligned count there; the unaligned rest could not be requested anyway); 1 otherwise
   */
  public RwRequest(byte opcode, int fd, long address, int length, long fileOffset, int bufIndex, int eofAlignment) {
    super(fd);
    if (length < 0 || length > MAX_LENGTH) {
      throw new IllegalArgumentException("length " + length + " outside 0.." + MAX_LENGTH);
    }
    this.opcode = opcode;
    this.address = address;
    this.length = length;
    this.fileOffset = fileOffset;
    this.bufIndex = bufIndex;
    this.eofAlignment = eofAlignment;
  }

  public boolean isRead() {
    return opcode != IoUringConstants.IORING_OP_WRITE && opcode != IoUringConstants.IORING_OP_WRITE_FIXED;
  }

  @Override
  public long requested() {
    return length;
  }

  @Override
  protected void prepare(IoUring ring, long userData) {
    int done = (int) transferred;
    ring.prepare(opcode, fd, address + done, length - done, fileOffset + done, 0, userData, bufIndex);
  }

  @Override
  protected boolean advance(int res) {
    if (res == 0) {
      // Read: end of file. Write: no progress, which would loop forever if resubmitted.
      return isRead() || length == 0 || fail(Errno.EIO);
    }
    transferred += res;
    if (transferred >= length) {
      return true;
    }
    return isRead() && transferred % eofAlignment != 0;
  }
}
