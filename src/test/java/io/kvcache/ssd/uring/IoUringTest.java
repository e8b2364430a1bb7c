package io.kvcache.ssd.uring;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The raw ring: setup, user_data round trip, wrap-around, CQ overflow, errno reporting. */
class IoUringTest {
  @BeforeAll
  static void needsIoUring() {
    String why = io.kvcache.ssd.io.UringFileIo.unavailableReason();
    assumeTrue(why == null, "io_uring unavailable: " + why);
  }

  private static void nops(IoUring ring, int count, long firstTag) {
    for (int i = 0; i < count; i++) {
      ring.prepare(IoUringConstants.IORING_OP_NOP, -1, 0, 0, 0, 0, firstTag + i, 0);
    }
  }

  @Test
  void setupReportsSizesAndFeatures() throws Exception {
    try (IoUring ring = IoUring.open(32, ThreadRings.BASIC_SETUP_FLAGS)) {
      assertEquals(32, ring.sqEntries());
      assertEquals(64, ring.cqEntries());
      assertTrue((ring.features() & IoUringConstants.IORING_FEAT_NODROP) != 0);
      assertEquals(32, ring.sqSpace());
    }
  }

  @Test
  void userDataComesBackAcrossManyWrapArounds() throws Exception {
    try (IoUring ring = IoUring.open(8, ThreadRings.BASIC_SETUP_FLAGS)) {
      for (int round = 0; round < 100; round++) {
        long base = (long) round << 40;
        nops(ring, 8, base);
        assertEquals(0, ring.sqSpace());
        assertEquals(0, ring.submit(8));
        List<Long> tags = new ArrayList<>();
        ring.drainCompletions((userData, res) -> {
          assertEquals(0, res);
          tags.add(userData);
        });
        assertEquals(List.of(base, base + 1, base + 2, base + 3, base + 4, base + 5, base + 6, base + 7),
            tags.stream().sorted().toList(), "round " + round);
        assertEquals(8, ring.sqSpace());
      }
    }
  }

  @Test
  void completionsBeyondTheCqAreParkedAndFlushedNotLost() throws Exception {
    try (IoUring ring = IoUring.open(4, ThreadRings.BASIC_SETUP_FLAGS)) {
      int cq = ring.cqEntries();
      int total = 0;
      while (total < cq + 8) { // more completions than the CQ holds, none reaped yet
        nops(ring, 4, total);
        ring.submit(0);
        total += 4;
      }
      List<Long> tags = new ArrayList<>();
      int flushes = 0;
      do {
        ring.drainCompletions((userData, res) -> tags.add(userData));
      } while (ring.flushOverflow() && ++flushes < 100);
      assertTrue(flushes > 0, "the CQ overflowed and was flushed");
      ring.drainCompletions((userData, res) -> tags.add(userData));
      assertEquals(total, tags.size(), "every completion arrives once");
      assertEquals(0, ring.droppedCompletions());
      assertFalse(ring.flushOverflow());
    }
  }

  @Test
  void ringErrorsNameTheErrno() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment capture = arena.allocate(Libc.CAPTURE_LAYOUT);
      long res = Libc.syscall(capture, IoUringConstants.SYS_IO_URING_ENTER, -1, 0, 0, 0, 0, 0);
      assertEquals(-Errno.EBADF, res);
    }
    NativeIoException setup = assertThrows(NativeIoException.class, () -> IoUring.open(0, 0));
    assertEquals(Errno.EINVAL, setup.errno());
    assertTrue(setup.getMessage().endsWith("EINVAL (22)"), setup.getMessage());
    NativeIoException open = assertThrows(NativeIoException.class,
        () -> Libc.openOrThrow("/nonexistent/kvstore", Libc.O_RDONLY, 0));
    assertEquals("ENOENT", open.errnoName());
    assertTrue(open.getMessage().contains("ENOENT (2)"), open.getMessage());
  }

  @Test
  void errnoNames() {
    assertEquals("EINVAL (22)", Errno.describe(22));
    assertEquals("EINVAL (22)", Errno.describe(-22));
    assertEquals("EAGAIN", Errno.name(11));
    assertEquals("ECANCELED", Errno.name(125));
    assertEquals("E? (41)", Errno.describe(41)); // a hole in the Linux numbering
    assertEquals("E? (9999)", Errno.describe(9999));
  }
}
