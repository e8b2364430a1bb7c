package io.kvcache.ssd.io;

import io.kvcache.ssd.EngineTestBase;
import io.kvcache.ssd.SsdTestSupport;
import io.kvcache.ssd.uring.Errno;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.kvcache.ssd.SsdTestSupport.aligned;
import static io.kvcache.ssd.SsdTestSupport.fillRandom;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The DirectFile contract, run against both engines. */
class DirectFileTest extends EngineTestBase {

  private DirectFile create(String engine, String name) throws IOException {
    useEngine(engine, null);
    return io.open(SsdTestSupport.freshDir("directfile").resolve(name), OpenMode.TRUNCATE);
  }

  @ParameterizedTest
  @ValueSource(strings = {SsdTestSupport.URING, SsdTestSupport.CHANNEL})
  void alignedRoundTripsOfManySizes(String engine) throws IOException {
    long[] sizes = {4096, 8192, 12288, 65536, 1 << 20, (1 << 20) + 4096, 3 * (1 << 20) + 3 * 4096, 40L << 20};
    try (DirectFile file = create(engine, "sizes.dat")) {
      long offset = 0;
      for (int i = 0; i < sizes.length; i++) {
        MemorySegment src = fillRandom(aligned(arena, sizes[i]), i);
        file.write(offset, src);
        MemorySegment dst = aligned(arena, sizes[i]);
        assertEquals(sizes[i], file.read(offset, dst), "bytes read for size " + sizes[i]);
        assertEquals(-1, src.mismatch(dst), "content of size " + sizes[i]);
        offset += sizes[i];
      }
      assertEquals(offset, file.size());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {SsdTestSupport.URING, SsdTestSupport.CHANNEL})
  void readPastEndOfFileReturnsWhatExists(String engine) throws IOException {
    try (DirectFile file = create(engine, "eof.dat")) {
      MemorySegment src = fillRandom(aligned(arena, 3 * 4096), 7);
      file.write(0, src);
      MemorySegment dst = aligned(arena, 8 * 4096);
      assertEquals(3 * 4096, file.read(0, dst));
      assertEquals(-1, src.mismatch(dst.asSlice(0, 3 * 4096)));
      assertEquals(0, file.read(16 * 4096, aligned(arena, 4096)));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {SsdTestSupport.URING, SsdTestSupport.CHANNEL})
  void misalignedSingleCallsAreRefusedAndChangeNothing(String engine) throws IOException {
    try (DirectFile file = create(engine, "misaligned.dat")) {
      file.write(0, fillRandom(aligned(arena, 8192), 1));
      MemorySegment dst = aligned(arena, 8192);
      IllegalArgumentException offset = assertThrows(IllegalArgumentException.class, () -> file.read(100, dst));
      assertTrue(offset.getMessage().contains("offset 100"), offset.getMessage());
      assertThrows(IllegalArgumentException.class, () -> file.read(0, dst.asSlice(512, 4096)));
      assertThrows(IllegalArgumentException.class, () -> file.read(0, dst.asSlice(0, 1000)));
      assertThrows(IllegalArgumentException.class, () -> file.read(-4096, dst));
      assertThrows(IllegalArgumentException.class, () -> file.write(0, MemorySegment.ofArray(new byte[4096])));
      assertThrows(IllegalArgumentException.class, () -> file.write(4096, dst.asSlice(0, 100)));
      assertEquals(-1, dst.mismatch(aligned(arena, 8192)), "destination untouched");
      assertEquals(8192, file.size(), "file untouched");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {SsdTestSupport.URING, SsdTestSupport.CHANNEL})
  void batchReadWithOneMisalignedDescFailsOnlyThatDesc(String engine) throws IOException {
    try (DirectFile file = create(engine, "batch.dat")) {
      MemorySegment src = fillRandom(aligned(arena, 64 * 4096), 3);
      file.write(0, src);
      List<ReadDesc> descs = new ArrayList<>();
      for (int i = 0; i < 40; i++) { // more descs than the queue depth: the pump refills
        descs.add(new ReadDesc((i * 7L % 64) * 4096, aligned(arena, 4096)));
      }
      descs.set(5, new ReadDesc(100, aligned(arena, 4096)));
      descs.set(9, new ReadDesc(4096, aligned(arena, 8192).asSlice(8, 4096)));
      descs.add(new ReadDesc(63 * 4096, aligned(arena, 2 * 4096))); // runs into end of file
      List<ReadResult> results = file.batchRead(descs);
      assertEquals(descs.size(), results.size());
      for (int i = 0; i < descs.size(); i++) {
        ReadResult r = results.get(i);
        if (i == 5 || i == 9) {
          assertFalse(r.isOk(), "desc " + i);
          assertEquals(Errno.EINVAL, r.errno());
          assertTrue(r.error().startsWith("EINVAL (22)"), r.error());
          continue;
        }
        assertTrue(r.isOk(), "desc " + i + ": " + r.error());
        ReadDesc d = descs.get(i);
        assertEquals(4096, r.bytesRead(), "desc " + i + " (the last one asks for 8192 but the file ends)");
        assertEquals(-1, src.asSlice(d.offset(), 4096).mismatch(d.dst().asSlice(0, 4096)), "content of desc " + i);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {SsdTestSupport.URING, SsdTestSupport.CHANNEL})
  void vectoredWriteAndReadRoundTrip(String engine) throws IOException {
    try (DirectFile file = create(engine, "vector.dat")) {
      List<MemorySegment> srcs = new ArrayList<>();
      for (int i = 0; i < 1500; i++) { // more iovecs than one READV/WRITEV takes
        srcs.add(fillRandom(aligned(arena, 4096L * (1 + i % 3)), 100 + i));
      }
      file.writev(8192, srcs);
      List<MemorySegment> dsts = new ArrayList<>();
      for (MemorySegment s : srcs) {
        dsts.add(aligned(arena, s.byteSize()));
      }
      long total = IoChecks.totalBytes(srcs);
      assertEquals(total, file.readv(8192, dsts));
      for (int i = 0; i < srcs.size(); i++) {
        assertEquals(-1, srcs.get(i).mismatch(dsts.get(i)), "segment " + i);
      }
      MemorySegment whole = aligned(arena, total);
      file.read(8192, whole);
      assertEquals(-1, srcs.get(0).mismatch(whole.asSlice(0, srcs.get(0).byteSize())));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {SsdTestSupport.URING, SsdTestSupport.CHANNEL})
  void bufferedShortReadsAtEndOfFileAreContinuedThenStop(String engine) throws IOException {
    useEngine(engine, null);
    Path path = SsdTestSupport.freshDir("buffered").resolve("odd.dat");
    byte[] bytes = new byte[6000];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (i * 31);
    }
    Files.write(path, bytes);
    try (DirectFile file = io.open(path, OpenMode.READ, Caching.BUFFERED)) {
      MemorySegment dst = aligned(arena, 8192);
      assertEquals(6000, file.read(0, dst));
      assertEquals(-1, MemorySegment.ofArray(bytes).mismatch(dst.asSlice(0, 6000)));
      List<MemorySegment> parts = List.of(aligned(arena, 4096), aligned(arena, 4096), aligned(arena, 4096));
      assertEquals(6000, file.readv(0, parts));
      assertEquals(bytes[4100], parts.get(1).get(JAVA_BYTE, 4));
      assertEquals(0, parts.get(2).get(JAVA_BYTE, 0), "nothing past end of file");
      assertEquals(1000, file.read(5000, aligned(arena, 4096)), "unaligned offset is fine without O_DIRECT");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {SsdTestSupport.URING, SsdTestSupport.CHANNEL})
  void closeThenReopenSeesTheDurableData(String engine) throws IOException {
    DirectFile file = create(engine, "reopen.dat");
    Path path = file.path();
    MemorySegment src = fillRandom(aligned(arena, 1 << 20), 11);
    file.allocate(0, 4 << 20);
    assertEquals(4 << 20, file.size());
    file.write(0, src);
    file.datasync();
    file.close();
    file.close(); // idempotent
    assertThrows(ClosedChannelException.class, () -> file.read(0, aligned(arena, 4096)));
    try (DirectFile again = io.open(path, OpenMode.READ)) {
      MemorySegment dst = aligned(arena, 1 << 20);
      assertEquals(1 << 20, again.read(0, dst));
      assertEquals(-1, src.mismatch(dst));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {SsdTestSupport.URING, SsdTestSupport.CHANNEL})
  void eventLoopThreadsAreRefused(String engine) throws Exception {
    try (DirectFile file = create(engine, "loop.dat")) {
      file.write(0, aligned(arena, 4096));
      SsdTestSupport.onThread("vert.x-eventloop-thread-3", () -> {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> file.read(0, aligned(arena, 4096)));
        assertTrue(e.getMessage().contains("vert.x-eventloop-thread-3"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> io.open(file.path(), OpenMode.READ));
      });
      SsdTestSupport.onThread("vert.x-worker-thread-0", () -> assertEquals(4096, file.read(0, aligned(arena, 4096))));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {SsdTestSupport.URING, SsdTestSupport.CHANNEL})
  void missingFileIsReportedAsSuch(String engine) throws IOException {
    useEngine(engine, null);
    Path missing = SsdTestSupport.freshDir("missing").resolve("nope.dat");
    assertThrows(java.nio.file.NoSuchFileException.class, () -> io.open(missing, OpenMode.READ));
  }
}
