package io.kvcache.ssd.uring;

/**
 * Layout of {@code struct io_uring_sqe} (64 bytes, the default SQE size): the submission queue entry the kernel reads.
 * Fields shared by several unions are named after the use this engine makes of them. Checked against
 * {@code <linux/io_uring.h>} by the ABI probe test.
 *
 * <p>Constants only; thread-safe.
 */
public final class SqeLayout {
  private SqeLayout() {}

  public static final long SIZE = 64;

  /** u8: IORING_OP_*. */
  public static final long OPCODE = 0;
  /** u8: IOSQE_* flags. */
  public static final long FLAGS = 1;
  /** u16: I/O priority. */
  public static final long IOPRIO = 2;
  /** s32: file descriptor. */
  public static final long FD = 4;
  /** u64: file offset. */
  public static final long OFF = 8;
  /** u64: buffer address, or the iovec array address for READV/WRITEV. */
  public static final long ADDR = 16;
  /** u32: buffer length, or the number of iovecs for READV/WRITEV; fallocate mode length lives in ADDR. */
  public static final long LEN = 24;
  /** u32 union: rw_flags for reads/writes, fsync_flags for FSYNC. */
  public static final long OP_FLAGS = 28;
  /** u64: opaque tag echoed back in the CQE. */
  public static final long USER_DATA = 32;
  /** u16: index into the registered buffers for READ_FIXED/WRITE_FIXED. */
  public static final long BUF_INDEX = 40;
  /** u16: credentials personality. */
  public static final long PERSONALITY = 42;
  /** s32 union: splice_fd_in / file_index. */
  public static final long FILE_INDEX = 44;
  /** u64: third address (unused here). */
  public static final long ADDR3 = 48;
}
