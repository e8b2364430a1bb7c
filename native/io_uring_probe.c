/*
 * io_uring ABI probe: prints "name value" lines with the sizes and offsets of the io_uring structs and the constants
 * that the Java layout classes (io.kvcache.ssd.uring.*Layout, IoUringConstants, Libc) hard-code. AbiProbeTest compiles
 * this with gcc against the machine's <linux/io_uring.h> and compares every line with the Java value.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <linux/io_uring.h>

#define SIZE(type) printf("sizeof.%s %zu\n", #type, sizeof(struct type))
#define OFF(type, field) printf("offsetof.%s.%s %zu\n", #type, #field, offsetof(struct type, field))
#define ERRNO(name) printf("errno.%s %d\n", #name, name)
#define CONST(name) printf("const.%s %lld\n", #name, (long long) (name))

int main(void) {
  SIZE(io_uring_params);
  OFF(io_uring_params, sq_entries);
  OFF(io_uring_params, cq_entries);
  OFF(io_uring_params, flags);
  OFF(io_uring_params, sq_thread_cpu);
  OFF(io_uring_params, sq_thread_idle);
  OFF(io_uring_params, features);
  OFF(io_uring_params, wq_fd);
  OFF(io_uring_params, resv);
  OFF(io_uring_params, sq_off);
  OFF(io_uring_params, cq_off);

  SIZE(io_sqring_offsets);
  OFF(io_sqring_offsets, head);
  OFF(io_sqring_offsets, tail);
  OFF(io_sqring_offsets, ring_mask);
  OFF(io_sqring_offsets, ring_entries);
  OFF(io_sqring_offsets, flags);
  OFF(io_sqring_offsets, dropped);
  OFF(io_sqring_offsets, array);
  OFF(io_sqring_offsets, resv1);

  SIZE(io_cqring_offsets);
  OFF(io_cqring_offsets, head);
  OFF(io_cqring_offsets, tail);
  OFF(io_cqring_offsets, ring_mask);
  OFF(io_cqring_offsets, ring_entries);
  OFF(io_cqring_offsets, overflow);
  OFF(io_cqring_offsets, cqes);
  OFF(io_cqring_offsets, flags);
  OFF(io_cqring_offsets, resv1);

  SIZE(io_uring_sqe);
  OFF(io_uring_sqe, opcode);
  OFF(io_uring_sqe, flags);
  OFF(io_uring_sqe, ioprio);
  OFF(io_uring_sqe, fd);
  OFF(io_uring_sqe, off);
  OFF(io_uring_sqe, addr);
  OFF(io_uring_sqe, len);
  OFF(io_uring_sqe, rw_flags);
  OFF(io_uring_sqe, fsync_flags);
  OFF(io_uring_sqe, user_data);
  OFF(io_uring_sqe, buf_index);
  OFF(io_uring_sqe, personality);
  OFF(io_uring_sqe, file_index);
  OFF(io_uring_sqe, addr3);

  SIZE(io_uring_cqe);
  OFF(io_uring_cqe, user_data);
  OFF(io_uring_cqe, res);
  OFF(io_uring_cqe, flags);

  SIZE(iovec);
  OFF(iovec, iov_base);
  OFF(iovec, iov_len);

  CONST(__NR_io_uring_setup);
  CONST(__NR_io_uring_enter);
  CONST(__NR_io_uring_register);

  CONST(IORING_OP_NOP);
  CONST(IORING_OP_READV);
  CONST(IORING_OP_WRITEV);
  CONST(IORING_OP_FSYNC);
  CONST(IORING_OP_READ_FIXED);
  CONST(IORING_OP_WRITE_FIXED);
  CONST(IORING_OP_FALLOCATE);
  CONST(IORING_OP_READ);
  CONST(IORING_OP_WRITE);

  CONST(IORING_SETUP_CLAMP);
  CONST(IORING_SETUP_SUBMIT_ALL);
  CONST(IORING_SETUP_COOP_TASKRUN);
  CONST(IORING_SETUP_SINGLE_ISSUER);
  CONST(IORING_SETUP_DEFER_TASKRUN);
  CONST(IORING_FEAT_SINGLE_MMAP);
  CONST(IORING_FEAT_NODROP);
  CONST(IORING_SQ_CQ_OVERFLOW);
  CONST(IORING_ENTER_GETEVENTS);
  CONST(IORING_REGISTER_BUFFERS);
  CONST(IORING_UNREGISTER_BUFFERS);
  CONST(IORING_FSYNC_DATASYNC);
  CONST(IORING_OFF_SQ_RING);
  CONST(IORING_OFF_CQ_RING);
  CONST(IORING_OFF_SQES);

  CONST(O_RDONLY);
  CONST(O_WRONLY);
  CONST(O_RDWR);
  CONST(O_CREAT);
  CONST(O_TRUNC);
  CONST(O_CLOEXEC);
  CONST(O_DIRECT);
  CONST(PROT_NONE);
  CONST(PROT_READ);
  CONST(PROT_WRITE);
  CONST(MAP_SHARED);
  CONST(MAP_PRIVATE);
  CONST(MAP_ANONYMOUS);
  CONST(MAP_POPULATE);

  ERRNO(EPERM);
  ERRNO(ENOENT);
  ERRNO(EINTR);
  ERRNO(EIO);
  ERRNO(EBADF);
  ERRNO(EAGAIN);
  ERRNO(ENOMEM);
  ERRNO(EFAULT);
  ERRNO(EBUSY);
  ERRNO(EEXIST);
  ERRNO(EINVAL);
  ERRNO(ENOSPC);
  ERRNO(ENOSYS);
  ERRNO(EOPNOTSUPP);
  ERRNO(ECANCELED);
  ERRNO(EOVERFLOW);
  ERRNO(ETIME);
  ERRNO(EHWPOISON);
  return 0;
}
