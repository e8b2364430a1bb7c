package io.kvcache.ssd.bucket;

import io.kvcache.ssd.EngineTestBase;
import io.kvcache.ssd.SsdTestSupport;
import io.kvcache.proto.v1.ErrorCode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Capacity and watermark eviction. Each bucket here is exactly 16 KiB (header + one 12 KiB object), capacity is ten
 * buckets: the high watermark (0.90) is passed by the 10th bucket, and eviction brings usage to at most 0.80.
 */
class BucketEvictionTest extends EngineTestBase {
  private static final long BUCKET = 16 * 1024;
  private static final long CAPACITY = 10 * BUCKET;


  private BucketStore open(String engine, EvictionPolicy policy) throws IOException {
    useEngine(engine, null);
    return BucketStore.open(io, BucketStoreOptions.defaults(SsdTestSupport.freshDir("evict"))
        .withLimits(1, 1 << 20).withCapacity(CAPACITY, policy));
  }

  private StoreOutcome storeOne(BucketStore store, int i) {
    return store.store(List.of(new StoreItem(BucketStoreTest.key(i), arena.allocate(12 * 1024))));
  }

  @ParameterizedTest
  @ValueSource(strings = {SsdTestSupport.URING, SsdTestSupport.CHANNEL})
  void fifoEvictsTheOldestBucketsDownToTheLowWatermark(String engine) throws IOException {
    BucketStore store = open(engine, EvictionPolicy.FIFO);
    for (int i = 0; i < 9; i++) {
      StoreOutcome outcome = storeOne(store, i);
      assertTrue(outcome.results().getFirst().isOk());
      assertEquals(List.of(), outcome.evictedKeys(), "below the high watermark after bucket " + i);
    }
    assertEquals(9 * BUCKET, store.usedBytes());
    StoreOutcome tenth = storeOne(store, 9);
    assertTrue(tenth.results().getFirst().isOk());
    // 9 used + 1 new > 9.0 (high): evict until used + new <= 8.0 (low), i.e. the two oldest go.
    assertEquals(List.of(BucketStoreTest.key(0), BucketStoreTest.key(1)), tenth.evictedKeys());
    assertEquals(8 * BUCKET, store.usedBytes());
    assertTrue(store.usedBytes() <= 0.80 * CAPACITY);
    assertEquals(2, store.stats().bucketsEvicted());
    var gone = store.load(List.of(new LoadItem(BucketStoreTest.key(0), arena.allocate(16384, 4096)))).getFirst();
    assertEquals(ErrorCode.OBJECT_NOT_FOUND, gone.code());
  }

  @ParameterizedTest
  @ValueSource(strings = {SsdTestSupport.URING, SsdTestSupport.CHANNEL})
  void lruSparesTheBucketsReadRecently(String engine) throws IOException {
    BucketStore store = open(engine, EvictionPolicy.LRU);
    for (int i = 0; i < 9; i++) {
      storeOne(store, i);
    }
    List<LoadItem> touch = new ArrayList<>();
    touch.add(new LoadItem(BucketStoreTest.key(0), arena.allocate(12 * 1024, 4096)));
    touch.add(new LoadItem(BucketStoreTest.key(1), arena.allocate(12 * 1024, 4096)));
    assertTrue(store.load(touch).stream().allMatch(LoadResult::isOk));
    StoreOutcome tenth = storeOne(store, 9);
    assertEquals(List.of(BucketStoreTest.key(2), BucketStoreTest.key(3)), tenth.evictedKeys());
    assertTrue(store.contains(BucketStoreTest.key(0)));
  }

  @ParameterizedTest
  @ValueSource(strings = {SsdTestSupport.URING, SsdTestSupport.CHANNEL})
  void withoutEvictionAFullStoreRefusesNewBuckets(String engine) throws IOException {
    BucketStore store = open(engine, EvictionPolicy.NONE);
    for (int i = 0; i < 10; i++) {
      assertTrue(storeOne(store, i).results().getFirst().isOk(), "bucket " + i + " fits the capacity");
    }
    StoreOutcome refused = storeOne(store, 10);
    assertEquals(ErrorCode.NO_AVAILABLE_HANDLE, refused.results().getFirst().code());
    assertTrue(refused.results().getFirst().message().contains("capacity"), refused.results().getFirst().message());
    assertEquals(List.of(), refused.evictedKeys());
    assertFalse(store.contains(BucketStoreTest.key(10)));
    assertEquals(10 * BUCKET, store.usedBytes(), "the refusal changed nothing");
    assertTrue(storeOne(store, 10).results().getFirst().code() == ErrorCode.NO_AVAILABLE_HANDLE,
        "the key was released: a retry gets the same answer, not OBJECT_ALREADY_EXISTS");
  }
}
