package io.kvcache.ssd.bucket;

import io.kvcache.ssd.EngineTestBase;
import io.kvcache.ssd.SsdTestSupport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static io.kvcache.ssd.SsdTestSupport.fillRandom;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Restart: the index is rebuilt from the metas; torn buckets and orphan files left by a crash are deleted. */
class BucketRecoveryTest extends EngineTestBase {

  private BucketStore open(String engine, Path dir) throws IOException {
    if (io == null) {
      useEngine(engine, null);
    }
    return BucketStore.open(io, BucketStoreOptions.defaults(dir).withLimits(4, 1 << 20)
        .withCapacity(1L << 30, EvictionPolicy.FIFO));
  }

  /** Stores 4 buckets of 4 objects (keys 0..15); returns the bucket ids in order. */
  private List<Long> fill(BucketStore store) {
    List<StoreItem> items = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      items.add(new StoreItem(BucketStoreTest.key(i), fillRandom(arena.allocate(3000 + i), i)));
    }
    StoreOutcome outcome = store.store(items);
    outcome.results().forEach(r -> assertTrue(r.isOk(), r.message()));
    return new ArrayList<>(new TreeSet<>(outcome.results().stream().map(StoreResult::bucketId).toList()));
  }

  private static Set<String> fileNames(Path dir) throws IOException {
    try (var files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {SsdTestSupport.URING, SsdTestSupport.CHANNEL})
  void aCleanRestartRebuildsTheSameIndex(String engine) throws IOException {
    Path dir = SsdTestSupport.freshDir("recover");
    BucketStore before = open(engine, dir);
    List<Long> buckets = fill(before);
    BucketStore after = open(engine, dir);
    assertEquals(before.scanAll(), after.scanAll());
    assertEquals(before.usedBytes(), after.usedBytes());
    assertEquals(0, after.stats().tornBucketsDeleted() + after.stats().orphanFilesDeleted());
    for (int i = 0; i < 16; i++) {
      var dst = arena.allocate(4096, 4096);
      assertTrue(after.load(List.of(new LoadItem(BucketStoreTest.key(i), dst))).getFirst().isOk());
      assertEquals(-1, fillRandom(arena.allocate(3000 + i), i).mismatch(dst.asSlice(0, 3000 + i)));
    }
    // New buckets continue after the newest one found.
    StoreOutcome more = after.store(List.of(new StoreItem(SsdKey.of("new"), arena.allocate(10))));
    assertTrue(more.results().getFirst().bucketId() > buckets.getLast());
  }

  @ParameterizedTest
  @ValueSource(strings = {SsdTestSupport.URING, SsdTestSupport.CHANNEL})
  void aCrashLeavesNoBucketThatCannotBeRead(String engine) throws IOException {
    Path dir = SsdTestSupport.freshDir("crash");
    List<Long> ids = fill(open(engine, dir));
    long shortData = ids.get(3);   // last bucket: data file cut short (crash during the data write, meta from a copy)
    long badMeta = ids.get(2);     // meta torn in the middle: checksum fails
    long noData = ids.get(1);      // data file lost
    // ids.get(0) stays intact
    try (FileChannel ch = FileChannel.open(dir.resolve(shortData + ".bucket"), StandardOpenOption.WRITE)) {
      ch.truncate(ch.size() - 4096);
    }
    try (FileChannel ch = FileChannel.open(dir.resolve(badMeta + ".meta"), StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}), 60);
    }
    Files.delete(dir.resolve(noData + ".bucket"));
    // Orphans of interrupted writes: a data file whose meta was never renamed, and the temporary meta itself.
    Files.copy(dir.resolve(ids.get(0) + ".bucket"), dir.resolve("99.bucket"));
    Files.write(dir.resolve("99.meta.tmp"), new byte[4096]);
    Files.write(dir.resolve("notes.txt"), new byte[] {1}); // not ours: left alone

    BucketStore store = open(engine, dir);
    assertEquals(3, store.stats().tornBucketsDeleted());
    assertEquals(2, store.stats().orphanFilesDeleted());
    assertEquals(Set.of(ids.get(0) + ".bucket", ids.get(0) + ".meta", "notes.txt"), fileNames(dir));
    assertEquals(1, store.bucketCount());
    for (int i = 0; i < 16; i++) {
      var result = store.load(List.of(new LoadItem(BucketStoreTest.key(i), arena.allocate(4096, 4096)))).getFirst();
      assertEquals(i < 4, result.isOk(), "key " + i + ": " + result.message());
    }
    assertFalse(store.contains(BucketStoreTest.key(15)));
  }

  @ParameterizedTest
  @ValueSource(strings = {SsdTestSupport.URING, SsdTestSupport.CHANNEL})
  void aDataFileOfAnotherBucketIsNotAccepted(String engine) throws IOException {
    Path dir = SsdTestSupport.freshDir("foreign");
    List<Long> ids = fill(open(engine, dir));
    // Same length, wrong bucket: the header check catches it.
    Files.copy(dir.resolve(ids.get(0) + ".bucket"), dir.resolve(ids.get(1) + ".bucket"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    BucketStore store = open(engine, dir);
    assertEquals(1, store.stats().tornBucketsDeleted());
    assertEquals(3, store.bucketCount());
  }
}
