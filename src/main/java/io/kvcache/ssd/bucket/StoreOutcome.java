package io.kvcache.ssd.bucket;

import java.util.List;

/**
 * Result of one {@link BucketStore#store} call: one result per item in input order, and the keys that watermark
 * eviction removed to make room (the caller tells the master they are gone from this disk). Immutable.
 */
public record StoreOutcome(List<StoreResult> results, List<SsdKey> evictedKeys) {
  public StoreOutcome {
    results = List.copyOf(results);
    evictedKeys = List.copyOf(evictedKeys);
  }
}
