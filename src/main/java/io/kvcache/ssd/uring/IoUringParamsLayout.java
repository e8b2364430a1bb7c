package io.kvcache.ssd.uring;

/**
 * Layout of {@code struct io_uring_params} (120 bytes): what io_uring_setup reads (entries, flags) and writes back
 * (sizes, features, and the two offset blocks {@link SqRingOffsetsLayout} at {@link #SQ_OFF} and
 * {@link CqRingOffsetsLayout} at {@link #CQ_OFF}).
 *
 * <p>Constants only; thread-safe.
 */
public final class IoUringParamsLayout {
  private IoUringParamsLayout() {}

  public static final long SIZE = 120;
  public static final long ALIGN = 8;

  /** u32 out: SQ entries granted. */
  public static final long SQ_ENTRIES = 0;
  /** u32 in/out: CQ entries (in only with IORING_SETUP_CQSIZE). */
  public static final long CQ_ENTRIES = 4;
  /** u32 in: IORING_SETUP_* flags. */
  public static final long FLAGS = 8;
  public static final long SQ_THREAD_CPU = 12;
  public static final long SQ_THREAD_IDLE = 16;
  /** u32 out: IORING_FEAT_* flags. */
  public static final long FEATURES = 20;
  public static final long WQ_FD = 24;
  /** u32[3]: reserved, must be zero. */
  public static final long RESV = 28;
  /** struct io_sqring_offsets. */
  public static final long SQ_OFF = 40;
  /** struct io_cqring_offsets. */
  public static final long CQ_OFF = 80;
}
