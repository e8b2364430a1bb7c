package io.kvcache.ssd.uring;

/**
 * Layout of {@code struct io_sqring_offsets} (40 bytes): where, inside the mmapped SQ ring, the kernel placed each field.
 * The kernel fills these in {@code io_uring_params.sq_off}; each value read through them is itself an offset into the
 * SQ ring mapping.
 *
 * <p>Constants only; thread-safe.
 */
public final class SqRingOffsetsLayout {
  private SqRingOffsetsLayout() {}

  public static final long SIZE = 40;

  /** u32: offset of the head index (kernel writes: entries it consumed). */
  public static final long HEAD = 0;
  /** u32: offset of the tail index (we write: entries we published). */
  public static final long TAIL = 4;
  /** u32: offset of ring_mask. */
  public static final long RING_MASK = 8;
  /** u32: offset of ring_entries. */
  public static final long RING_ENTRIES = 12;
  /** u32: offset of the IORING_SQ_* flags word. */
  public static final long FLAGS = 16;
  /** u32: offset of the dropped (invalid SQE) counter. */
  public static final long DROPPED = 20;
  /** u32: offset of the index array (SQ slot -> SQE index). */
  public static final long ARRAY = 24;
  public static final long RESV1 = 28;
  /** u64: user_addr on kernels with IORING_SETUP_NO_MMAP (resv2 on older headers). */
  public static final long USER_ADDR = 32;
}
