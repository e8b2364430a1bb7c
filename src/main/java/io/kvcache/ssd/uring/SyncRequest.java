package io.kvcache.ssd.uring;

/**
 * IORING_OP_FSYNC with IORING_FSYNC_DATASYNC: the file's data (and the metadata needed to read it back) is durable
 * once this completes.
 *
 * <p>Not thread-safe; see {@link UringRequest}.
 */
public final class SyncRequest extends UringRequest {
  public SyncRequest(int fd) {
    super(fd);
  }

  @Override
  public long requested() {
    return 0;
  }

  @Override
  protected void prepare(IoUring ring, long userData) {
    ring.prepare(IoUringConstants.IORING_OP_FSYNC, fd, 0, 0, 0, IoUringConstants.IORING_FSYNC_DATASYNC, userData, 0);
  }

  @Override
  protected boolean advance(int res) {
    return true;
  }
}
