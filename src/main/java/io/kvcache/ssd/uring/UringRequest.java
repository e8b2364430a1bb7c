package io.kvcache.ssd.uring;

/**
 * One logical I/O operation that may take several SQEs: a short transfer is resubmitted for the rest, -EAGAIN/-EINTR
 * are retried a bounded number of times. Subclasses say how to fill an SQE for what is left and how a positive result
 * advances them.
 *
 * <p>Not thread-safe: used by the thread running its {@link RequestPump}.
 */
public abstract class UringRequest {
  /** Attempts after -EAGAIN/-EINTR before the error is reported. */
  static final int MAX_RETRIES = 8;

  protected final int fd;
  protected long transferred;
  private int errno;
  private int retries;

  protected UringRequest(int fd) {
    this.fd = fd;
  }

  /** Fills one SQE for the part of the operation still to do. */
  protected abstract void prepare(IoUring ring, long userData);

  /**
   * Applies a non-negative result.
   * @return true when the operation is finished (fully done, or ended early at EOF, or failed via {@link #fail})
   */
  protected abstract boolean advance(int res);

  /** Bytes the operation asks to move. */
  public abstract long requested();

  /** Bytes moved so far (all of them once finished successfully; fewer at EOF). */
  public final long transferred() {
    return transferred;
  }

  /** 0 on success, else the positive errno that ended the operation. */
  public final int errno() {
    return errno;
  }

  public final boolean failed() {
    return errno != 0;
  }

  protected final boolean fail(int errnoValue) {
    errno = errnoValue;
    return true;
  }

  /** Applies a CQE result; true when finished, false when the request must be submitted again. */
  final boolean complete(int res) {
    if (res >= 0) {
      return advance(res);
    }
    if ((res == -Errno.EAGAIN || res == -Errno.EINTR) && retries < MAX_RETRIES) {
      retries++;
      return false;
    }
    return fail(-res);
  }
}
