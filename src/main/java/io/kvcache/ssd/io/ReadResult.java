package io.kvcache.ssd.io;

import io.kvcache.ssd.uring.Errno;

/**
 * Outcome of one {@link ReadDesc}: bytes read (fewer than asked only at end of file), or an error. {@code errno} is the
 * Linux errno when the error came from the kernel or is a rule the kernel would enforce (EINVAL for misalignment);
 * 0 for errors reported by the JDK without an errno (FileChannel fallback). Immutable.
 */
public record ReadResult(long bytesRead, int errno, String error) {
  public static ReadResult ok(long bytesRead) {
    return new ReadResult(bytesRead, 0, null);
  }

  /** A kernel-style failure; the message starts with the errno name, e.g. "EINVAL (22): ...". */
  public static ReadResult failed(int errno, String detail) {
    return new ReadResult(0, errno, Errno.describe(errno) + (detail == null ? "" : ": " + detail));
  }

  /** A failure without errno (an IOException from the JDK). */
  public static ReadResult failed(String message) {
    return new ReadResult(0, 0, message);
  }

  public boolean isOk() {
    return error == null;
  }
}
