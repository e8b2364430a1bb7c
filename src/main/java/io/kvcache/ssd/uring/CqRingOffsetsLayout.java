package io.kvcache.ssd.uring;

/**
 * Layout of {@code struct io_cqring_offsets} (40 bytes): where, inside the mmapped CQ ring, the kernel placed each field.
 *
 * <p>Constants only; thread-safe.
 */
public final class CqRingOffsetsLayout {
  private CqRingOffsetsLayout() {}

  public static final long SIZE = 40;

  /** u32: offset of the head index (we write: completions we consumed). */
  public static final long HEAD = 0;
  /** u32: offset of the tail index (kernel writes: completions it posted). */
  public static final long TAIL = 4;
  /** u32: offset of ring_mask. */
  public static final long RING_MASK = 8;
  /** u32: offset of ring_entries. */
  public static final long RING_ENTRIES = 12;
  /** u32: offset of the overflow counter (completions the kernel had to drop). */
  public static final long OVERFLOW = 16;
  /** u32: offset of the CQE array. */
  public static final long CQES = 20;
  /** u32: offset of the IORING_CQ_* flags word. */
  public static final long FLAGS = 24;
  public static final long RESV1 = 28;
  /** u64: user_addr on kernels with IORING_SETUP_NO_MMAP (resv2 on older headers). */
  public static final long USER_ADDR = 32;
}
