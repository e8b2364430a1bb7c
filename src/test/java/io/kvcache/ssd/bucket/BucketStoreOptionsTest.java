package io.kvcache.ssd.bucket;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BucketStoreOptionsTest {
  private static final Path DIR = Path.of("x");

  private static String refusal(Runnable build) {
    return assertThrows(IllegalArgumentException.class, build::run).getMessage();
  }

  @Test
  void defaultsAreMooncakes() {
    BucketStoreOptions o = BucketStoreOptions.defaults(DIR);
    assertEquals(500, o.keysPerBucket());
    assertEquals(256L << 20, o.bytesPerBucket());
    assertEquals(0.90, o.highWatermark());
    assertEquals(0.80, o.lowWatermark());
    assertEquals(EvictionPolicy.FIFO, o.evictionPolicy());
  }

  @Test
  void invalidSettingsAreRefusedNamingTheSetting() {
    BucketStoreOptions o = BucketStoreOptions.defaults(DIR);
    assertTrue(refusal(() -> o.withLimits(0, 1 << 20)).contains("bucket_keys_limit"));
    assertTrue(refusal(() -> o.withLimits(5, 5000)).contains("bucket_size_limit"));
    assertTrue(refusal(() -> o.withCapacity(-1, EvictionPolicy.FIFO)).contains("capacity"));
    assertTrue(refusal(() -> new BucketStoreOptions(DIR, 5, 8192, 0, 0.7, 0.8, EvictionPolicy.LRU, 100))
        .contains("watermarks"));
    assertTrue(refusal(() -> new BucketStoreOptions(DIR, 5, 8192, 0, 0.9, 0.8, null, 100)).contains("eviction_policy"));
    assertTrue(refusal(() -> new BucketStoreOptions(DIR, 5, 8192, 0, 0.9, 0.8, EvictionPolicy.LRU, 70_000))
        .contains("max_key_bytes"));
  }
}
