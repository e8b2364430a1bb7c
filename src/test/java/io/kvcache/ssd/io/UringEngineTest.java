package io.kvcache.ssd.io;

import io.kvcache.ssd.SsdTestSupport;
import io.kvcache.ssd.uring.Errno;
import io.kvcache.ssd.uring.Libc;
import io.kvcache.ssd.uring.RegisteredRegion;
import io.kvcache.ssd.uring.UringStats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;

import static io.kvcache.ssd.SsdTestSupport.aligned;
import static io.kvcache.ssd.SsdTestSupport.fillRandom;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** io_uring specifics: fixed buffers, per-thread rings, kernel errors per desc, engine close. */
class UringEngineTest {
  private final Arena arena = Arena.ofShared();
  private final List<MemorySegment> mappings = new ArrayList<>();
  private UringFileIo io;

  @AfterEach
  void tearDown() throws IOException {
    if (io != null) {
      io.close();
    }
    for (MemorySegment m : mappings) {
      Libc.munmapOrThrow(m);
    }
    arena.close();
  }

  private UringFileIo engine(RegisteredRegion region) {
    io = (UringFileIo) SsdTestSupport.engine(SsdTestSupport.URING, 32, region);
    return io;
  }

  private DirectFile fileWith(MemorySegment content) throws IOException {
    DirectFile file = io.open(SsdTestSupport.freshDir("uring").resolve("data.dat"), OpenMode.TRUNCATE);
    file.write(0, content);
    return file;
  }

  private MemorySegment anonymousMapping(long size, int prot) throws IOException {
    MemorySegment m = Libc.mmapOrThrow(size, prot, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0, "test buffer");
    mappings.add(m);
    return m;
  }

  @Test
  void readsIntoTheRegisteredRegionUseReadFixed() throws IOException {
    MemorySegment region = aligned(arena, 4 << 20);
    UringStats stats = engine(new RegisteredRegion(region)).stats();
    MemorySegment src = fillRandom(aligned(arena, 1 << 20), 5);
    try (DirectFile file = fileWith(src)) {
      MemorySegment inside = region.asSlice(1 << 20, 1 << 20);
      assertEquals(1 << 20, file.read(0, inside));
      assertEquals(-1, src.mismatch(inside));
      assertEquals(1, stats.registrations());
      long fixed = stats.fixedReads();
      assertTrue(fixed >= 1, "fixed reads " + fixed);
      assertEquals(0, stats.plainReads());

      MemorySegment outside = aligned(arena, 1 << 20);
      assertEquals(1 << 20, file.read(0, outside));
      assertEquals(-1, src.mismatch(outside));
      assertEquals(fixed, stats.fixedReads(), "outside the region: no fixed read");
      assertTrue(stats.plainReads() >= 1);

      List<ReadResult> results = file.batchRead(List.of(
          new ReadDesc(0, region.asSlice(0, 4096)), new ReadDesc(4096, aligned(arena, 4096))));
      assertTrue(results.get(0).isOk() && results.get(1).isOk());
      assertEquals(fixed + 1, stats.fixedReads());
      assertEquals(1, stats.registrations(), "registered once per ring");
    }
  }

  @Test
  void failedRegistrationFallsBackToPlainReadsOnce() throws IOException {
    // A read-only mapping cannot be pinned for writing, so IORING_REGISTER_BUFFERS fails on it.
    MemorySegment region = anonymousMapping(1 << 20, Libc.PROT_READ);
    UringStats stats = engine(new RegisteredRegion(region)).stats();
    MemorySegment src = fillRandom(aligned(arena, 64 * 1024), 9);
    try (DirectFile file = fileWith(src)) {
      MemorySegment dst = region.asSlice(0, 64 * 1024);
      ReadResult refused = file.batchRead(List.of(new ReadDesc(0, dst))).getFirst();
      assertEquals(1, stats.registrationFailures());
      assertEquals(0, stats.fixedReads());
      assertEquals(Errno.EFAULT, refused.errno(), "plain read into read-only memory: " + refused.error());

      Libc.mprotectOrThrow(region, Libc.PROT_READ | Libc.PROT_WRITE);
      assertEquals(64 * 1024, file.read(0, dst));
      assertEquals(-1, src.mismatch(dst));
      assertEquals(1, stats.registrationFailures(), "no second attempt on the same ring");
      assertEquals(0, stats.fixedReads());
      assertEquals(0, stats.registrations());
    }
  }

  @Test
  void eachThreadGetsItsOwnRing() throws Exception {
    UringFileIo engine = engine(null);
    MemorySegment src = fillRandom(aligned(arena, 256 * 1024), 2);
    int threads = 4;
    try (DirectFile file = fileWith(src)) { // the test thread made ring #1
      int mainRing = engine.rings().current().ringFd();
      assertEquals(mainRing, engine.rings().current().ringFd(), "same thread, same ring");
      Set<Integer> ringFds = Collections.synchronizedSet(new HashSet<>());
      CyclicBarrier allAlive = new CyclicBarrier(threads); // rings are compared while all threads are alive
      List<Thread> workers = new ArrayList<>();
      List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
      for (int t = 0; t < threads; t++) {
        Thread worker = new Thread(() -> {
          try (Arena local = Arena.ofConfined()) {
            for (int i = 0; i < 20; i++) {
              MemorySegment dst = aligned(local, 64 * 1024);
              assertEquals(64 * 1024, file.read((i % 4) * 64 * 1024L, dst));
              assertEquals(-1, src.asSlice((i % 4) * 64 * 1024L, 64 * 1024).mismatch(dst));
            }
            ringFds.add(engine.rings().current().ringFd());
            allAlive.await();
          } catch (Throwable e) {
            failures.add(e);
          }
        }, "ssd-io-test-" + t);
        workers.add(worker);
        worker.start();
      }
      for (Thread w : workers) {
        w.join();
      }
      assertEquals(List.of(), failures);
      assertEquals(threads, ringFds.size(), "distinct rings " + ringFds);
      assertFalse(ringFds.contains(mainRing));
      assertEquals(threads + 1, engine.stats().ringsCreated());

      // The workers are dead: the next ring created sweeps their rings away.
      SsdTestSupport.onThread("ssd-io-late", () -> file.read(0, aligned(arena, 4096)));
      assertEquals(2, engine.rings().liveRings(), "the test thread's ring and the late thread's ring");
      assertEquals(threads, engine.stats().ringsClosed());
    }
  }

  @Test
  void aKernelErrorFailsOnlyItsDesc() throws IOException {
    engine(null);
    MemorySegment readOnly = anonymousMapping(4096, Libc.PROT_READ);
    MemorySegment src = fillRandom(aligned(arena, 3 * 4096), 4);
    try (DirectFile file = fileWith(src)) {
      MemorySegment a = aligned(arena, 4096);
      MemorySegment c = aligned(arena, 4096);
      List<ReadResult> results = file.batchRead(List.of(
          new ReadDesc(0, a), new ReadDesc(4096, readOnly), new ReadDesc(8192, c)));
      assertTrue(results.get(0).isOk());
      assertEquals(Errno.EFAULT, results.get(1).errno());
      assertTrue(results.get(1).error().startsWith("EFAULT (14)"), results.get(1).error());
      assertTrue(results.get(2).isOk());
      assertEquals(-1, src.asSlice(0, 4096).mismatch(a));
      assertEquals(-1, src.asSlice(8192, 4096).mismatch(c));
    }
  }

  @Test
  void shortBufferedReadsAreResubmitted() throws IOException {
    UringStats stats = engine(null).stats();
    try (DirectFile file = io.open(SsdTestSupport.freshDir("short").resolve("s.dat"), OpenMode.TRUNCATE,
        Caching.BUFFERED)) {
      file.write(0, fillRandom(aligned(arena, 4096), 1).asSlice(0, 4000));
      long before = stats.shortTransfers();
      assertEquals(4000, file.read(0, aligned(arena, 8192)));
      assertEquals(before + 1, stats.shortTransfers(), "the rest was asked for once and came back empty (EOF)");
    }
  }

  @Test
  void aClosedEngineRefusesIo() throws IOException {
    engine(null);
    DirectFile file = fileWith(aligned(arena, 4096));
    io.close();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> file.read(0, aligned(arena, 4096)));
    assertTrue(e.getMessage().contains("closed"), e.getMessage());
    file.close();
  }
}
