package io.kvcache.ssd.uring;

import java.io.IOException;

/**
 * A failed native call or I/O operation, carrying the errno and naming it: {@code "io_uring_enter: EBADF (9)"}.
 *
 * <p>Immutable; thread-safe.
 */
public final class NativeIoException extends IOException {
  private final int errno;

  public NativeIoException(String operation, int errno) {
    super(operation + ": " + Errno.describe(errno));
    this.errno = Math.abs(errno);
  }

  /** The positive errno value. */
  public int errno() {
    return errno;
  }

  /** The errno's symbolic name, e.g. "EIO". */
  public String errnoName() {
    return Errno.name(errno);
  }
}
