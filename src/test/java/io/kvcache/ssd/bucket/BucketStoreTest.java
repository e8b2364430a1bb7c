package io.kvcache.ssd.bucket;

import io.kvcache.ssd.EngineTestBase;
import io.kvcache.ssd.SsdTestSupport;
import io.kvcache.ssd.io.DirectFile;
import io.kvcache.proto.v1.ErrorCode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static io.kvcache.ssd.SsdTestSupport.fillRandom;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Store, load, limits, duplicates, checksums and per-key evict of the bucket backend, on both engines. */
class BucketStoreTest extends EngineTestBase {
  private Path dir;

  private BucketStore open(String engine, int keysPerBucket, long bytesPerBucket) throws IOException {
    useEngine(engine, null);
    dir = SsdTestSupport.freshDir("buckets");
    return BucketStore.open(io, BucketStoreOptions.defaults(dir).withLimits(keysPerBucket, bytesPerBucket)
        .withCapacity(1L << 30, EvictionPolicy.FIFO));
  }

  static SsdKey key(int i) {
    return SsdKey.of("key-" + i);
  }

  private StoreItem item(int i, long size) {
    return new StoreItem(key(i), fillRandom(arena.allocate(Math.max(1, size)).asSlice(0, size), i));
  }

  private static void assertAllOk(StoreOutcome outcome) {
    for (StoreResult r : outcome.results()) {
      assertTrue(r.isOk(), r.key() + ": " + r.code() + " " + r.message());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {SsdTestSupport.URING, SsdTestSupport.CHANNEL})
  void storedObjectsLoadBackIdenticalIntoAnyDestination(String engine) throws IOException {
    BucketStore store = open(engine, 500, 256L << 20);
    long[] sizes = {0, 1, 100, 4095, 4096, 4097, 65536, 100_000, (1 << 20) + 3, 5 << 20};
    List<StoreItem> items = new ArrayList<>();
    for (int i = 0; i < sizes.length; i++) {
      items.add(item(i, sizes[i]));
    }
    StoreOutcome outcome = store.store(items);
    assertAllOk(outcome);
    assertEquals(1, store.bucketCount());
    assertEquals(sizes.length, store.objectCount());
    for (StoreResult r : outcome.results()) {
      assertEquals(0, r.offset() % DirectFile.ALIGNMENT, "objects start aligned");
    }
    List<LoadItem> aligned = new ArrayList<>();
    List<LoadItem> unaligned = new ArrayList<>();
    List<LoadItem> heap = new ArrayList<>();
    for (int i = 0; i < sizes.length; i++) {
      aligned.add(new LoadItem(key(i), arena.allocate(BucketFileLayout.align(sizes[i]), 4096)));
      unaligned.add(new LoadItem(key(i), arena.allocate(sizes[i] + 8, 4096).asSlice(8)));
      heap.add(new LoadItem(key(i), MemorySegment.ofArray(new byte[(int) sizes[i]])));
    }
    for (List<LoadItem> loads : List.of(aligned, unaligned, heap)) {
      List<LoadResult> results = store.load(loads);
      for (int i = 0; i < sizes.length; i++) {
        assertTrue(results.get(i).isOk(), results.get(i).message());
        assertEquals(sizes[i], results.get(i).size());
        assertEquals(-1, items.get(i).value().mismatch(loads.get(i).dst().asSlice(0, sizes[i])), "object " + i);
      }
    }
    assertEquals(3L * sizes.length, store.stats().objectsLoaded());
    assertEquals(sizes[7], store.sizeOf(key(7)));
    assertTrue(store.contains(key(9)));
    assertFalse(store.contains(key(99)));
    assertEquals(-1, store.sizeOf(key(99)));
  }

  @ParameterizedTest
  @ValueSource(strings = {SsdTestSupport.URING, SsdTestSupport.CHANNEL})
  void loadReportsEachKeyOnItsOwn(String engine) throws IOException {
    BucketStore store = open(engine, 500, 256L << 20);
    assertAllOk(store.store(List.of(item(1, 10_000), item(2, 10_000))));
    List<LoadResult> results = store.load(List.of(
        new LoadItem(key(1), arena.allocate(16384, 4096)),
        new LoadItem(key(3), arena.allocate(16384, 4096)),
        new LoadItem(key(2), arena.allocate(9_999, 4096))));
    assertTrue(results.get(0).isOk());
    assertEquals(ErrorCode.OBJECT_NOT_FOUND, results.get(1).code());
    assertEquals(ErrorCode.BUFFER_OVERFLOW, results.get(2).code(), results.get(2).message());
  }

  @ParameterizedTest
  @ValueSource(strings = {SsdTestSupport.URING, SsdTestSupport.CHANNEL})
  void aCorruptedObjectFailsItsChecksumAlone(String engine) throws IOException {
    BucketStore store = open(engine, 500, 256L << 20);
    StoreOutcome outcome = store.store(List.of(item(1, 8192), item(2, 8192), item(3, 8192)));
    assertAllOk(outcome);
    StoreResult victim = outcome.results().get(1);
    try (FileChannel ch = FileChannel.open(dir.resolve(victim.bucketId() + ".bucket"), StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {42, 43, 44}), victim.offset() + 100);
    }
    List<LoadResult> results = store.load(List.of(
        new LoadItem(key(1), arena.allocate(8192, 4096)),
        new LoadItem(key(2), arena.allocate(8192, 4096)),
        new LoadItem(key(3), arena.allocate(8192, 4096))));
    assertTrue(results.get(0).isOk());
    assertEquals(ErrorCode.CHECKSUM_MISMATCH, results.get(1).code());
    assertTrue(results.get(2).isOk());
    assertEquals(1, store.stats().checksumFailures());
  }

  @ParameterizedTest
  @ValueSource(strings = {SsdTestSupport.URING, SsdTestSupport.CHANNEL})
  void bucketsHoldAtMostTheKeyLimit(String engine) throws IOException {
    BucketStore store = open(engine, 5, 256L << 20);
    List<StoreItem> items = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      items.add(item(i, 1000));
    }
    StoreOutcome outcome = store.store(items);
    assertAllOk(outcome);
    assertEquals(3, store.bucketCount());
    List<Long> bucketIds = outcome.results().stream().map(StoreResult::bucketId).toList();
    assertEquals(5, bucketIds.stream().filter(bucketIds.get(0)::equals).count());
    assertEquals(5, bucketIds.stream().filter(bucketIds.get(5)::equals).count());
    assertEquals(2, bucketIds.stream().filter(bucketIds.get(10)::equals).count());
    assertEquals(3, Set.copyOf(bucketIds).size());
  }

  @ParameterizedTest
  @ValueSource(strings = {SsdTestSupport.URING, SsdTestSupport.CHANNEL})
  void bucketsHoldAtMostTheByteLimit(String engine) throws IOException {
    BucketStore store = open(engine, 500, 64 * 1024);
    // 20 000 bytes take 5 pages; header + 3 objects = 16 pages = 64 KiB exactly, a 4th would not fit.
    List<StoreItem> items = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      items.add(item(i, 20_000));
    }
    items.add(item(5, 64 * 1024 - 4096 + 1)); // cannot fit even an empty bucket
    StoreOutcome outcome = store.store(items);
    assertEquals(ErrorCode.INVALID_PARAMS, outcome.results().get(5).code());
    assertTrue(outcome.results().get(5).message().contains("bucket_size_limit"), outcome.results().get(5).message());
    for (int i = 0; i < 5; i++) {
      assertTrue(outcome.results().get(i).isOk());
    }
    assertEquals(2, store.bucketCount());
    try (var files = Files.list(dir)) {
      for (Path p : files.filter(p -> p.toString().endsWith(".bucket")).toList()) {
        assertTrue(Files.size(p) <= 64 * 1024, p + " has " + Files.size(p) + " bytes");
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {SsdTestSupport.URING, SsdTestSupport.CHANNEL})
  void duplicateAndInvalidKeysAreRefusedPerKey(String engine) throws IOException {
    BucketStore store = open(engine, 500, 256L << 20);
    assertAllOk(store.store(List.of(item(1, 100))));
    StoreOutcome outcome = store.store(List.of(item(1, 100), item(2, 100), item(2, 200),
        new StoreItem(SsdKey.of(""), arena.allocate(10)),
        new StoreItem(SsdKey.of("x".repeat(5000)), arena.allocate(10)), item(3, 300)));
    List<ErrorCode> codes = outcome.results().stream().map(StoreResult::code).toList();
    assertEquals(List.of(ErrorCode.OBJECT_ALREADY_EXISTS, ErrorCode.OK, ErrorCode.OBJECT_ALREADY_EXISTS,
        ErrorCode.INVALID_PARAMS, ErrorCode.INVALID_PARAMS, ErrorCode.OK), codes);
    assertEquals(100, store.sizeOf(key(2)), "the first of the two copies was stored");
    assertEquals(3, store.objectCount());
  }

  @ParameterizedTest
  @ValueSource(strings = {SsdTestSupport.URING, SsdTestSupport.CHANNEL})
  void evictingKeysRewritesTheMetaAndDeletesEmptyBuckets(String engine) throws IOException {
    BucketStore store = open(engine, 3, 256L << 20);
    assertAllOk(store.store(List.of(item(1, 5000), item(2, 5000), item(3, 5000), item(4, 5000))));
    long usedBefore = store.usedBytes();
    List<KeyResult> results = store.evict(List.of(key(2), key(9), key(2)));
    assertEquals(List.of(ErrorCode.OK, ErrorCode.OBJECT_NOT_FOUND, ErrorCode.INVALID_PARAMS),
        results.stream().map(KeyResult::code).toList());
    assertFalse(store.contains(key(2)));
    assertEquals(usedBefore, store.usedBytes(), "the bucket still holds keys 1 and 3");

    BucketStore reopened = BucketStore.open(io, store.options());
    assertFalse(reopened.contains(key(2)), "the evicted key does not come back after a restart");
    assertEquals(Set.of(key(1), key(3), key(4)),
        reopened.scanAll().stream().map(StoredObject::key).collect(Collectors.toSet()));
    assertTrue(reopened.load(List.of(new LoadItem(key(3), arena.allocate(8192, 4096)))).getFirst().isOk());

    assertTrue(reopened.evict(List.of(key(4))).getFirst().isOk());
    assertEquals(1, reopened.bucketCount(), "the bucket of key 4 is gone");
    assertTrue(reopened.usedBytes() < usedBefore);
    try (var files = Files.list(dir)) {
      assertEquals(2, files.count(), "one .bucket and one .meta left");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {SsdTestSupport.URING, SsdTestSupport.CHANNEL})
  void scanPagesThroughWholeBuckets(String engine) throws IOException {
    BucketStore store = open(engine, 3, 256L << 20);
    List<StoreItem> items = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      items.add(item(i, 100 + i));
    }
    assertAllOk(store.store(items));
    List<StoredObject> seen = new ArrayList<>();
    long after = -1;
    int pages = 0;
    ScanPage page;
    do {
      page = store.scan(after, 4);
      seen.addAll(page.objects());
      after = page.lastBucketId();
      pages++;
    } while (!page.done());
    assertEquals(3, pages, "pages of 3 + 3 (a third bucket would pass 4), 3 + 1");
    assertEquals(10, seen.size());
    for (int i = 0; i < 10; i++) {
      assertEquals(new StoredObject(key(i), 100 + i), seen.get(i));
    }
  }
}
