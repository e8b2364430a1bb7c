package io.kvcache.ssd.bucket;

import java.util.List;

/**
 * One page of {@link BucketStore#scan}: the objects of whole buckets in bucket-id order. Continue with
 * {@code scan(lastBucketId, ...)} until {@code done}. Immutable.
 */
public record ScanPage(List<StoredObject> objects, long lastBucketId, boolean done) {
  public ScanPage {
    objects = List.copyOf(objects);
  }
}
