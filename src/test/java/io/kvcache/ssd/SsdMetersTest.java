package io.kvcache.ssd;

import io.kvcache.ssd.bucket.BucketStore;
import io.kvcache.ssd.bucket.BucketStoreOptions;
import io.kvcache.ssd.bucket.EvictionPolicy;
import io.kvcache.ssd.bucket.LoadItem;
import io.kvcache.ssd.bucket.SsdKey;
import io.kvcache.ssd.bucket.StoreItem;
import io.kvcache.ssd.io.UringFileIo;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SsdMetersTest {
  @Test
  void metersFollowTheLiveCounters() throws Exception {
    try (UringFileIo io = (UringFileIo) SsdTestSupport.engine(SsdTestSupport.URING, 32, null);
         Arena arena = Arena.ofConfined()) {
      BucketStore store = BucketStore.open(io, BucketStoreOptions.defaults(SsdTestSupport.freshDir("meters"))
          .withCapacity(1L << 30, EvictionPolicy.FIFO));
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      SsdMeters.bind(registry, io.stats(), store);
      assertEquals(0, registry.get("kvstore_ssd_buckets_written").functionCounter().count());
      store.store(List.of(new StoreItem(SsdKey.of("a"), arena.allocate(10_000))));
      store.load(List.of(new LoadItem(SsdKey.of("a"), arena.allocate(12_288, 4096))));
      assertEquals(1, registry.get("kvstore_ssd_buckets_written").functionCounter().count());
      assertEquals(1, registry.get("kvstore_ssd_objects_loaded").functionCounter().count());
      assertEquals(1, registry.get("kvstore_ssd_plain_reads").functionCounter().count());
      assertEquals(store.usedBytes(), registry.get("kvstore_ssd_used_bytes").gauge().value());
      assertTrue(registry.get("kvstore_ssd_rings_created").functionCounter().count() >= 1);
    }
  }
}
