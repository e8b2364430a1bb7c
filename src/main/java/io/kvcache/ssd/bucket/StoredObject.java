package io.kvcache.ssd.bucket;

/** A stored object as listed by {@link BucketStore#scan}: key and size in bytes. Immutable. */
public record StoredObject(SsdKey key, long size) {
}
