package io.kvcache.ssd.io;

import io.kvcache.ssd.EngineTestBase;
import io.kvcache.ssd.SsdTestSupport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.kvcache.ssd.SsdTestSupport.aligned;
import static io.kvcache.ssd.SsdTestSupport.fillRandom;
import static org.junit.jupiter.api.Assertions.*;

/** Independent reads over several files in one call: each desc its own result, one bad desc failing alone. */
class BatchReadAcrossTest extends EngineTestBase {

  @ParameterizedTest
  @ValueSource(strings = {SsdTestSupport.URING, SsdTestSupport.CHANNEL})
  void readsFromSeveralFilesInOneCall(String engine) throws IOException {
    useEngine(engine, null);
    Path dir = SsdTestSupport.freshDir("across");
    List<DirectFile> open = new ArrayList<>();
    try {
      List<MemorySegment> written = new ArrayList<>();
      for (int f = 0; f < 4; f++) {
        DirectFile file = io.open(dir.resolve("f" + f + ".dat"), OpenMode.TRUNCATE);
        open.add(file);
        MemorySegment src = fillRandom(aligned(arena, 16 * 4096), f);
        file.write(0, src);
        written.add(src);
      }
      List<DirectFile> files = new ArrayList<>();
      List<ReadDesc> descs = new ArrayList<>();
      for (int i = 0; i < 12; i++) { // interleaved files, scattered offsets
        files.add(open.get(i % 4));
        descs.add(new ReadDesc((i % 16) * 4096L, aligned(arena, 4096)));
      }
      files.add(open.get(1));
      descs.add(new ReadDesc(100, aligned(arena, 4096))); // misaligned: fails alone
      List<ReadResult> results = io.batchReadAcross(files, descs);
      assertEquals(descs.size(), results.size());
      for (int i = 0; i < 12; i++) {
        assertTrue(results.get(i).isOk(), "desc " + i + ": " + results.get(i));
        MemorySegment expected = written.get(i % 4).asSlice((i % 16) * 4096L, 4096);
        assertEquals(-1, expected.mismatch(descs.get(i).dst()), "content of desc " + i);
      }
      assertFalse(results.get(12).isOk());
      assertTrue(results.get(12).error().startsWith("EINVAL"), results.get(12).error());
    } finally {
      for (DirectFile f : open) {
        f.close();
      }
    }
  }
}
