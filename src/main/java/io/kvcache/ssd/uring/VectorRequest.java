package io.kvcache.ssd.uring;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A vectored read or write (IORING_OP_READV / WRITEV) of the iovec array {@code iovecs} at a file offset. A short
 * transfer advances the array in place (skips whole iovecs, trims the first partial one) and submits the rest.
 *
 * <p>Not thread-safe; see {@link UringRequest}. The iovec array is owned by the caller and must stay alive (and
 * unchanged by anyone else) until the request finished.
 */
public final class VectorRequest extends UringRequest {
  private final byte opcode;
  private final MemorySegment iovecs;
  private final int count;
  private final long fileOffset;
  private final long total;
  private final int eofAlignment;
  private int first;

  /** @param eofAlignment see {@link RwRequest}. */
  public VectorRequest(byte opcode, int fd, MemorySegment iovecs, int count, long fileOffset, int eofAlignment) {
    super(fd);
    this.opcode = opcode;
    this.iovecs = iovecs;
    this.count = count;
    this.fileOffset = fileOffset;
    this.eofAlignment = eofAlignment;
    long sum = 0;
    for (int i = 0; i < count; i++) {
      sum += iovecs.get(JAVA_LONG, i * IovecLayout.SIZE + IovecLayout.LEN);
    }
    this.total = sum;
  }

  private boolean isRead() {
    return opcode == IoUringConstants.IORING_OP_READV;
  }

  @Override
  public long requested() {
    return total;
  }

  @Override
  protected void prepare(IoUring ring, long userData) {
    long address = iovecs.address() + first * IovecLayout.SIZE;
    ring.prepare(opcode, fd, address, count - first, fileOffset + transferred, 0, userData, 0);
  }

  @Override
  protected boolean advance(int res) {
    if (res == 0) {
      return isRead() || total == 0 || fail(Errno.EIO);
    }
    transferred += res;
    if (transferred >= total) {
      return true;
    }
    if (isRead() && transferred % eofAlignment != 0) {
      return true;
    }
    long consumed = res;
    while (consumed > 0) {
      long at = first * IovecLayout.SIZE;
      long len = iovecs.get(JAVA_LONG, at + IovecLayout.LEN);
      if (consumed >= len) {
        consumed -= len;
        first++;
      } else {
        iovecs.set(JAVA_LONG, at + IovecLayout.BASE, iovecs.get(JAVA_LONG, at + IovecLayout.BASE) + consumed);
        iovecs.set(JAVA_LONG, at + IovecLayout.LEN, len - consumed);
        consumed = 0;
      }
    }
    return false;
  }
}
