package io.kvcache.ssd.bucket;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * In-memory index of a {@link BucketStore}: every committed bucket with its live objects, the key → location map, keys
 * of stores in progress (so a concurrent duplicate is refused), and the bytes in use or reserved by bucket writes in
 * progress.
 *
 * <p>Thread-safe: every method is synchronized on the index and does no I/O.
 */
final class BucketIndex {
  /** Where an object lives. */
  record Location(long bucketId, long offset, long size, int crc) {}

  /** A committed bucket: its data-file length and its live objects in file order. */
  static final class Bucket {
    final long id;
    final long dataBytes;
    final LinkedHashMap<SsdKey, Location> live = new LinkedHashMap<>();
    long lastAccessNanos;

    Bucket(long id, long dataBytes, long now) {
      this.id = id;
      this.dataBytes = dataBytes;
      this.lastAccessNanos = now;
    }
  }

  private final HashMap<SsdKey, Location> objects = new HashMap<>();
  private final TreeMap<Long, Bucket> buckets = new TreeMap<>();
  private final HashSet<SsdKey> pending = new HashSet<>();
  private long usedBytes;
  private long reservedBytes;

  /** Marks {@code key} as being stored; false if it is stored or being stored already. */
  synchronized boolean reserveKey(SsdKey key) {
    return !objects.containsKey(key) && pending.add(key);
  }

  synchronized void releaseKeys(Iterable<SsdKey> keys) {
    for (SsdKey key : keys) {
      pending.remove(key);
    }
  }

  /** Adds a bucket read back at startup or just written; a key already present elsewhere is skipped and returned. */
  synchronized List<SsdKey> publish(BucketMeta meta, long now) {
    Bucket bucket = new Bucket(meta.bucketId(), meta.dataBytes(), now);
    List<SsdKey> skipped = new ArrayList<>();
    for (BucketMeta.Entry e : meta.entries()) {
      pending.remove(e.key());
      if (objects.containsKey(e.key())) {
        skipped.add(e.key());
        continue;
      }
      Location location = new Location(meta.bucketId(), e.offset(), e.size(), e.crc());
      objects.put(e.key(), location);
      bucket.live.put(e.key(), location);
    }
    buckets.put(bucket.id, bucket);
    usedBytes += bucket.dataBytes;
    return skipped;
  }

  /** The object's location, or null; marks its bucket as just used (LRU). */
  synchronized Location locate(SsdKey key, long now) {
    Location location = objects.get(key);
    if (location != null) {
      buckets.get(location.bucketId()).lastAccessNanos = now;
    }
    return location;
  }

  synchronized Location peek(SsdKey key) {
    return objects.get(key);
  }

  /** The live entries of a bucket (for rewriting its meta), or null if the bucket is gone. */
  synchronized List<BucketMeta.Entry> liveEntries(long bucketId) {
    Bucket bucket = buckets.get(bucketId);
    if (bucket == null) {
      return null;
    }
    List<BucketMeta.Entry> entries = new ArrayList<>(bucket.live.size());
    bucket.live.forEach((k, l) -> entries.add(new BucketMeta.Entry(k, l.offset(), l.size(), l.crc())));
    return entries;
  }

  synchronized long dataBytes(long bucketId) {
    Bucket bucket = buckets.get(bucketId);
    return bucket == null ? -1 : bucket.dataBytes;
  }

  /** Removes one object from its bucket (the bucket stays, even if now empty). */
  synchronized void removeKey(SsdKey key) {
    Location location = objects.remove(key);
    if (location != null) {
      buckets.get(location.bucketId()).live.remove(key);
    }
  }

  /** Removes a whole bucket; returns the keys it still held (empty if unknown). */
  synchronized List<SsdKey> removeBucket(long bucketId) {
    Bucket bucket = buckets.remove(bucketId);
    if (bucket == null) {
      return List.of();
    }
    usedBytes -= bucket.dataBytes;
    List<SsdKey> keys = new ArrayList<>(bucket.live.keySet());
    for (SsdKey key : keys) {
      objects.remove(key);
    }
    return keys;
  }

  /** The bucket the policy would evict first, or -1 if there is none (or the policy is NONE). */
  synchronized long victim(EvictionPolicy policy) {
    if (buckets.isEmpty() || policy == EvictionPolicy.NONE) {
      return -1;
    }
    if (policy == EvictionPolicy.FIFO) {
      return buckets.firstKey();
    }
    Bucket oldest = null;
    for (Bucket b : buckets.values()) {
      if (oldest == null || b.lastAccessNanos < oldest.lastAccessNanos) {
        oldest = b;
      }
    }
    return oldest.id;
  }

  synchronized void reserveBytes(long bytes) {
    reservedBytes += bytes;
  }

  synchronized void releaseBytes(long bytes) {
    reservedBytes -= bytes;
  }

  /** Bytes of committed buckets plus bytes reserved by bucket writes in progress. */
  synchronized long committedAndReservedBytes() {
    return usedBytes + reservedBytes;
  }

  synchronized long usedBytes() {
    return usedBytes;
  }

  synchronized int objectCount() {
    return objects.size();
  }

  synchronized int bucketCount() {
    return buckets.size();
  }

  synchronized long maxBucketId() {
    return buckets.isEmpty() ? -1 : buckets.lastKey();
  }

  /** Live objects of whole buckets with id > {@code afterBucketId}, at least one bucket, stopping once past {@code max}. */
  synchronized ScanPage scan(long afterBucketId, int max) {
    List<StoredObject> out = new ArrayList<>();
    long last = afterBucketId;
    Map<Long, Bucket> tail = buckets.tailMap(afterBucketId, false);
    for (Bucket bucket : tail.values()) {
      if (!out.isEmpty() && out.size() + bucket.live.size() > max) {
        return new ScanPage(out, last, false);
      }
      bucket.live.forEach((k, l) -> out.add(new StoredObject(k, l.size())));
      last = bucket.id;
    }
    return new ScanPage(out, last, true);
  }
}
