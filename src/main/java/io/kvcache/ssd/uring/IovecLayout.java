package io.kvcache.ssd.uring;

/**
 * Layout of {@code struct iovec} (LP64): one (base, length) pair, used by READV/WRITEV and IORING_REGISTER_BUFFERS.
 *
 * <p>Constants only; thread-safe.
 */
public final class IovecLayout {
  private IovecLayout() {}

  public static final long SIZE = 16;
  /** Alignment of the struct (its widest member is a pointer). */
  public static final long ALIGN = 8;

  /** void*: start of the buffer. */
  public static final long BASE = 0;
  /** size_t: length of the buffer. */
  public static final long LEN = 8;
}
