package io.kvcache.ssd.uring;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Compiles native/io_uring_probe.c against this machine's {@code <linux/io_uring.h>} and checks that every size,
 * offset and constant it prints equals the Java value. Skipped (not failed) where gcc or the kernel header is missing.
 */
class AbiProbeTest {
  private static final Path SOURCE = Path.of("native", "io_uring_probe.c");
  private static final Path BINARY = Path.of("target", "io_uring_probe");

  @Test
  void javaLayoutsMatchTheKernelHeader() throws Exception {
    assumeTrue(Files.exists(Path.of("/usr/include/linux/io_uring.h")),
        "kernel header /usr/include/linux/io_uring.h missing (Debian package linux-libc-dev)");
    Run gccVersion = run("gcc", "--version");
    assumeTrue(gccVersion != null && gccVersion.exit == 0, "gcc not available to compile the ABI probe");
    Run compile = run("gcc", "-Wall", "-Werror", "-o", BINARY.toString(), SOURCE.toString());
    assertEquals(0, compile.exit, "probe did not compile: " + compile.output);
    Run probe = run(BINARY.toString());
    assertEquals(0, probe.exit, probe.output);

    Map<String, Long> fromHeader = new TreeMap<>();
    for (String line : probe.output.split("\n")) {
      if (!line.isBlank()) {
        String[] parts = line.trim().split(" ");
        fromHeader.put(parts[0], Long.parseLong(parts[1]));
      }
    }
    Map<String, Long> fromJava = new TreeMap<>(javaValues());
    for (Map.Entry<String, Long> e : fromHeader.entrySet()) {
      if (e.getKey().startsWith("errno.")) {
        String name = e.getKey().substring("errno.".length());
        assertEquals(name, Errno.name(e.getValue().intValue()), "errno table entry " + e.getValue());
        continue;
      }
      assertEquals(e.getValue(), fromJava.get(e.getKey()), e.getKey() + " (header value vs Java value)");
    }
    fromJava.keySet().removeAll(fromHeader.keySet());
    assertEquals(Map.of(), fromJava, "Java values the probe does not print");
  }

  private static Map<String, Long> javaValues() {
    Map<String, Long> v = new LinkedHashMap<>();
    v.put("sizeof.io_uring_params", IoUringParamsLayout.SIZE);
    v.put("offsetof.io_uring_params.sq_entries", IoUringParamsLayout.SQ_ENTRIES);
    v.put("offsetof.io_uring_params.cq_entries", IoUringParamsLayout.CQ_ENTRIES);
    v.put("offsetof.io_uring_params.flags", IoUringParamsLayout.FLAGS);
    v.put("offsetof.io_uring_params.sq_thread_cpu", IoUringParamsLayout.SQ_THREAD_CPU);
    v.put("offsetof.io_uring_params.sq_thread_idle", IoUringParamsLayout.SQ_THREAD_IDLE);
    v.put("offsetof.io_uring_params.features", IoUringParamsLayout.FEATURES);
    v.put("offsetof.io_uring_params.wq_fd", IoUringParamsLayout.WQ_FD);
    v.put("offsetof.io_uring_params.resv", IoUringParamsLayout.RESV);
    v.put("offsetof.io_uring_params.sq_off", IoUringParamsLayout.SQ_OFF);
    v.put("offsetof.io_uring_params.cq_off", IoUringParamsLayout.CQ_OFF);

    v.put("sizeof.io_sqring_offsets", SqRingOffsetsLayout.SIZE);
    v.put("offsetof.io_sqring_offsets.head", SqRingOffsetsLayout.HEAD);
    v.put("offsetof.io_sqring_offsets.tail", SqRingOffsetsLayout.TAIL);
    v.put("offsetof.io_sqring_offsets.ring_mask", SqRingOffsetsLayout.RING_MASK);
    v.put("offsetof.io_sqring_offsets.ring_entries", SqRingOffsetsLayout.RING_ENTRIES);
    v.put("offsetof.io_sqring_offsets.flags", SqRingOffsetsLayout.FLAGS);
    v.put("offsetof.io_sqring_offsets.dropped", SqRingOffsetsLayout.DROPPED);
    v.put("offsetof.io_sqring_offsets.array", SqRingOffsetsLayout.ARRAY);
    v.put("offsetof.io_sqring_offsets.resv1", SqRingOffsetsLayout.RESV1);

    v.put("sizeof.io_cqring_offsets", CqRingOffsetsLayout.SIZE);
    v.put("offsetof.io_cqring_offsets.head", CqRingOffsetsLayout.HEAD);
    v.put("offsetof.io_cqring_offsets.tail", CqRingOffsetsLayout.TAIL);
    v.put("offsetof.io_cqring_offsets.ring_mask", CqRingOffsetsLayout.RING_MASK);
    v.put("offsetof.io_cqring_offsets.ring_entries", CqRingOffsetsLayout.RING_ENTRIES);
    v.put("offsetof.io_cqring_offsets.overflow", CqRingOffsetsLayout.OVERFLOW);
    v.put("offsetof.io_cqring_offsets.cqes", CqRingOffsetsLayout.CQES);
    v.put("offsetof.io_cqring_offsets.flags", CqRingOffsetsLayout.FLAGS);
    v.put("offsetof.io_cqring_offsets.resv1", CqRingOffsetsLayout.RESV1);

    v.put("sizeof.io_uring_sqe", SqeLayout.SIZE);
    v.put("offsetof.io_uring_sqe.opcode", SqeLayout.OPCODE);
    v.put("offsetof.io_uring_sqe.flags", SqeLayout.FLAGS);
    v.put("offsetof.io_uring_sqe.ioprio", SqeLayout.IOPRIO);
    v.put("offsetof.io_uring_sqe.fd", SqeLayout.FD);
    v.put("offsetof.io_uring_sqe.off", SqeLayout.OFF);
    v.put("offsetof.io_uring_sqe.addr", SqeLayout.ADDR);
    v.put("offsetof.io_uring_sqe.len", SqeLayout.LEN);
    v.put("offsetof.io_uring_sqe.rw_flags", SqeLayout.OP_FLAGS);
    v.put("offsetof.io_uring_sqe.fsync_flags", SqeLayout.OP_FLAGS);
    v.put("offsetof.io_uring_sqe.user_data", SqeLayout.USER_DATA);
    v.put("offsetof.io_uring_sqe.buf_index", SqeLayout.BUF_INDEX);
    v.put("offsetof.io_uring_sqe.personality", SqeLayout.PERSONALITY);
    v.put("offsetof.io_uring_sqe.file_index", SqeLayout.FILE_INDEX);
    v.put("offsetof.io_uring_sqe.addr3", SqeLayout.ADDR3);

    v.put("sizeof.io_uring_cqe", CqeLayout.SIZE);
    v.put("offsetof.io_uring_cqe.user_data", CqeLayout.USER_DATA);
    v.put("offsetof.io_uring_cqe.res", CqeLayout.RES);
    v.put("offsetof.io_uring_cqe.flags", CqeLayout.FLAGS);

    v.put("sizeof.iovec", IovecLayout.SIZE);
    v.put("offsetof.iovec.iov_base", IovecLayout.BASE);
    v.put("offsetof.iovec.iov_len", IovecLayout.LEN);

    v.put("const.__NR_io_uring_setup", IoUringConstants.SYS_IO_URING_SETUP);
    v.put("const.__NR_io_uring_enter", IoUringConstants.SYS_IO_URING_ENTER);
    v.put("const.__NR_io_uring_register", IoUringConstants.SYS_IO_URING_REGISTER);
    v.put("const.IORING_OP_NOP", (long) IoUringConstants.IORING_OP_NOP);
    v.put("const.IORING_OP_READV", (long) IoUringConstants.IORING_OP_READV);
    v.put("const.IORING_OP_WRITEV", (long) IoUringConstants.IORING_OP_WRITEV);
    v.put("const.IORING_OP_FSYNC", (long) IoUringConstants.IORING_OP_FSYNC);
    v.put("const.IORING_OP_READ_FIXED", (long) IoUringConstants.IORING_OP_READ_FIXED);
    v.put("const.IORING_OP_WRITE_FIXED", (long) IoUringConstants.IORING_OP_WRITE_FIXED);
    v.put("const.IORING_OP_FALLOCATE", (long) IoUringConstants.IORING_OP_FALLOCATE);
    v.put("const.IORING_OP_READ", (long) IoUringConstants.IORING_OP_READ);
    v.put("const.IORING_OP_WRITE", (long) IoUringConstants.IORING_OP_WRITE);
    v.put("const.IORING_SETUP_CLAMP", (long) IoUringConstants.IORING_SETUP_CLAMP);
    v.put("const.IORING_SETUP_SUBMIT_ALL", (long) IoUringConstants.IORING_SETUP_SUBMIT_ALL);
    v.put("const.IORING_SETUP_COOP_TASKRUN", (long) IoUringConstants.IORING_SETUP_COOP_TASKRUN);
    v.put("const.IORING_SETUP_SINGLE_ISSUER", (long) IoUringConstants.IORING_SETUP_SINGLE_ISSUER);
    v.put("const.IORING_SETUP_DEFER_TASKRUN", (long) IoUringConstants.IORING_SETUP_DEFER_TASKRUN);
    v.put("const.IORING_FEAT_SINGLE_MMAP", (long) IoUringConstants.IORING_FEAT_SINGLE_MMAP);
    v.put("const.IORING_FEAT_NODROP", (long) IoUringConstants.IORING_FEAT_NODROP);
    v.put("const.IORING_SQ_CQ_OVERFLOW", (long) IoUringConstants.IORING_SQ_CQ_OVERFLOW);
    v.put("const.IORING_ENTER_GETEVENTS", (long) IoUringConstants.IORING_ENTER_GETEVENTS);
    v.put("const.IORING_REGISTER_BUFFERS", (long) IoUringConstants.IORING_REGISTER_BUFFERS);
    v.put("const.IORING_UNREGISTER_BUFFERS", (long) IoUringConstants.IORING_UNREGISTER_BUFFERS);
    v.put("const.IORING_FSYNC_DATASYNC", (long) IoUringConstants.IORING_FSYNC_DATASYNC);
    v.put("const.IORING_OFF_SQ_RING", IoUringConstants.IORING_OFF_SQ_RING);
    v.put("const.IORING_OFF_CQ_RING", IoUringConstants.IORING_OFF_CQ_RING);
    v.put("const.IORING_OFF_SQES", IoUringConstants.IORING_OFF_SQES);

    v.put("const.O_RDONLY", (long) Libc.O_RDONLY);
    v.put("const.O_WRONLY", (long) Libc.O_WRONLY);
    v.put("const.O_RDWR", (long) Libc.O_RDWR);
    v.put("const.O_CREAT", (long) Libc.O_CREAT);
    v.put("const.O_TRUNC", (long) Libc.O_TRUNC);
    v.put("const.O_CLOEXEC", (long) Libc.O_CLOEXEC);
    v.put("const.O_DIRECT", (long) Libc.O_DIRECT);
    v.put("const.PROT_NONE", (long) Libc.PROT_NONE);
    v.put("const.PROT_READ", (long) Libc.PROT_READ);
    v.put("const.PROT_WRITE", (long) Libc.PROT_WRITE);
    v.put("const.MAP_SHARED", (long) Libc.MAP_SHARED);
    v.put("const.MAP_PRIVATE", (long) Libc.MAP_PRIVATE);
    v.put("const.MAP_ANONYMOUS", (long) Libc.MAP_ANONYMOUS);
    v.put("const.MAP_POPULATE", (long) Libc.MAP_POPULATE);
    return v;
  }

  private record Run(int exit, String output) {}

  /** Runs a command with a timeout; null if it cannot be started (not installed). */
  private static Run run(String... command) throws InterruptedException {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      byte[] out = process.getInputStream().readAllBytes();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return new Run(-1, "timed out: " + String.join(" ", command));
      }
      return new Run(process.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      return null;
    }
  }
}
