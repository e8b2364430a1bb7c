package io.kvcache.ssd.uring;

/**
 * Layout of {@code struct io_uring_cqe} (16 bytes without IORING_SETUP_CQE32): the completion the kernel writes.
 *
 * <p>Constants only; thread-safe.
 */
public final class CqeLayout {
  private CqeLayout() {}

  public static final long SIZE = 16;

  /** u64: the SQE's user_data, echoed back. */
  public static final long USER_DATA = 0;
  /** s32: bytes transferred, or -errno. */
  public static final long RES = 8;
  /** u32: IORING_CQE_F_* flags. */
  public static final long FLAGS = 12;
}
