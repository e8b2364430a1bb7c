package io.kvcache.ssd.uring;

/**
 * The io_uring ABI numbers this engine uses: syscall numbers, opcodes, setup/enter/register codes, feature and ring
 * flags, mmap offsets. Values from {@code <linux/io_uring.h>} and {@code <asm/unistd.h>}; the ABI probe test compares
 * each with the C header. The io_uring syscall numbers are the same on every architecture (unified table since 5.1).
 *
 * <p>Constants only; thread-safe.
 */
public final class IoUringConstants {
  private IoUringConstants() {}

  // syscalls
  public static final long SYS_IO_URING_SETUP = 425;
  public static final long SYS_IO_URING_ENTER = 426;
  public static final long SYS_IO_URING_REGISTER = 427;

  // opcodes (enum io_uring_op)
  public static final byte IORING_OP_NOP = 0;
  public static final byte IORING_OP_READV = 1;
  public static final byte IORING_OP_WRITEV = 2;
  public static final byte IORING_OP_FSYNC = 3;
  public static final byte IORING_OP_READ_FIXED = 4;
  public static final byte IORING_OP_WRITE_FIXED = 5;
  public static final byte IORING_OP_FALLOCATE = 17;
  public static final byte IORING_OP_READ = 22;
  public static final byte IORING_OP_WRITE = 23;

  // io_uring_setup flags
  public static final int IORING_SETUP_CLAMP = 1 << 4;
  public static final int IORING_SETUP_SUBMIT_ALL = 1 << 7;
  public static final int IORING_SETUP_COOP_TASKRUN = 1 << 8;
  public static final int IORING_SETUP_SINGLE_ISSUER = 1 << 12;
  public static final int IORING_SETUP_DEFER_TASKRUN = 1 << 13;

  // io_uring_params.features
  public static final int IORING_FEAT_SINGLE_MMAP = 1;
  public static final int IORING_FEAT_NODROP = 1 << 1;

  // sq ring flags word
  public static final int IORING_SQ_CQ_OVERFLOW = 1 << 1;

  // io_uring_enter flags
  public static final int IORING_ENTER_GETEVENTS = 1;

  // io_uring_register opcodes
  public static final int IORING_REGISTER_BUFFERS = 0;
  public static final int IORING_UNREGISTER_BUFFERS = 1;

  // fsync_flags
  public static final int IORING_FSYNC_DATASYNC = 1;

  // mmap offsets selecting which ring region io_uring's mmap handler maps
  public static final long IORING_OFF_SQ_RING = 0L;
  public static final long IORING_OFF_CQ_RING = 0x8000000L;
  public static final long IORING_OFF_SQES = 0x10000000L;

  /** Largest single registered buffer the kernel accepts (io_buffer_validate: SZ_1G). */
  public static final long MAX_REGISTERED_BUFFER_BYTES = 1L << 30;
}
