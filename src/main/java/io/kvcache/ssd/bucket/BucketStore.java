package io.kvcache.ssd.bucket;

import io.kvcache.ssd.io.FileIo;
import io.kvcache.proto.v1.ErrorCode;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;

/**
 * The bucket storage backend: objects packed into bucket files of at most {@code keysPerBucket} objects and
 * {@code bytesPerBucket} bytes, written with O_DIRECT and datasync ({@link BucketWriter}), read back with batch reads
 * and verified against their CRC32C, rebuilt from the directory at startup ({@link BucketRecovery}), and evicted a
 * whole bucket at a time when usage passes the high watermark, down to the low one. Every batch call reports one
 * result per item: one bad item never fails the others.
 *
 * <p>Thread-safe: any number of threads may store, load and evict at once. The index is guarded by its own monitor
 * (no I/O under it); deleting buckets and rewriting metas are serialised by {@link #maintenance}; data I/O runs on the
 * calling thread (its own io_uring ring), never under a lock. Holds no native resources; the {@link FileIo} belongs to
 * the caller.
 */
public final class BucketStore {
  private static final System.Logger LOG = System.getLogger(BucketStore.class.getName());

  private final BucketStoreOptions options;
  private final long capacityBytes;
  private final BucketFiles files;
  private final BucketWriter writer;
  private final BucketReader reader;
  private final BucketIndex index = new BucketIndex();
  private final BucketStoreStats stats = new BucketStoreStats();
  private final ReentrantLock maintenance = new ReentrantLock();
  private final AtomicLong nextBucketId;

  private BucketStore(FileIo io, BucketStoreOptions options, long capacityBytes) throws IOException {
    this.options = options;
    this.capacityBytes = capacityBytes;
    this.files = new BucketFiles(options.dir());
    this.writer = new BucketWriter(io, files);
    this.reader = new BucketReader(io, files, stats);
    new BucketRecovery(io, files, stats).recover(index);
    // Ids grow across restarts: after the newest bucket found, and never below (unix seconds << 12) as in Mooncake.
    this.nextBucketId = new AtomicLong(Math.max(index.maxBucketId() + 1, (System.currentTimeMillis() / 1000) << 12));
  }

  /** Opens (creating the directory if needed) and recovers the store; call from a thread allowed to block. */
  public static BucketStore open(FileIo io, BucketStoreOptions options) throws IOException {
    Files.createDirectories(options.dir());
    long capacity = options.capacityBytes() > 0 ? options.capacityBytes()
        : (long) (Files.getFileStore(options.dir()).getTotalSpace() * BucketStoreOptions.DEFAULT_FILESYSTEM_SHARE);
    BucketStore store = new BucketStore(io, options, capacity);
    LOG.log(Level.INFO, "bucket store {0}: {1} objects in {2} buckets, {3} of {4} bytes used",
        options.dir(), store.objectCount(), store.bucketCount(), String.valueOf(store.usedBytes()),
        String.valueOf(capacity));
    return store;
  }

  /**
   * Stores a batch: each object is refused alone if its key is empty, too long or already stored (or twice in the
   * batch), or if it cannot fit an empty bucket; the rest are packed into new buckets in order. Usage beyond the high
   * watermark evicts whole buckets first (their keys are returned in {@link StoreOutcome#evictedKeys()}); a bucket that
   * still does not fit the capacity is refused with NO_AVAILABLE_HANDLE.
   */
  public StoreOutcome store(List<StoreItem> items) {
    StoreResult[] results = new StoreResult[items.size()];
    List<Integer> accepted = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      StoreItem item = items.get(i);
      String why = whyRefused(item);
      if (why != null) {
        results[i] = StoreResult.failed(item.key(), ErrorCode.INVALID_PARAMS, why);
      } else if (!index.reserveKey(item.key())) {
        results[i] = StoreResult.failed(item.key(), ErrorCode.OBJECT_ALREADY_EXISTS, "key already stored");
      } else {
        accepted.add(i);
      }
    }
    List<SsdKey> evicted = new ArrayList<>();
    for (List<Integer> group : groupIntoBuckets(items, accepted)) {
      writeBucket(items, group, results, evicted);
    }
    return new StoreOutcome(Arrays.asList(results), evicted);
  }

  private String whyRefused(StoreItem item) {
    if (item.key() == null || item.key().length() == 0) {
      return "empty key";
    }
    if (item.value() == null) {
      return "no value";
    }
    if (item.key().length() > options.maxKeyBytes()) {
      return "key of " + item.key().length() + " bytes exceeds max_key_bytes " + options.maxKeyBytes();
    }
    long needed = BucketFileLayout.HEADER_BYTES + BucketFileLayout.align(item.value().byteSize());
    if (needed > options.bytesPerBucket()) {
      return "object of " + item.value().byteSize() + " bytes does not fit a bucket of " + options.bytesPerBucket()
          + " bytes (bucket_size_limit)";
    }
    return null;
  }

  /** Splits the accepted items, in order, into buckets within the key and byte limits. */
  private List<List<Integer>> groupIntoBuckets(List<StoreItem> items, List<Integer> accepted) {
    List<List<Integer>> groups = new ArrayList<>();
    List<Integer> current = new ArrayList<>();
    long bytes = BucketFileLayout.HEADER_BYTES;
    for (int i : accepted) {
      long size = BucketFileLayout.align(items.get(i).value().byteSize());
      if (!current.isEmpty() && (current.size() == options.keysPerBucket() || bytes + size > options.bytesPerBucket())) {
        groups.add(current);
        current = new ArrayList<>();
        bytes = BucketFileLayout.HEADER_BYTES;
      }
      current.add(i);
      bytes += size;
    }
    if (!current.isEmpty()) {
      groups.add(current);
    }
    return groups;
  }

  private void writeBucket(List<StoreItem> items, List<Integer> group, StoreResult[] results, List<SsdKey> evicted) {
    List<StoreItem> bucketItems = group.stream().map(items::get).toList();
    List<SsdKey> keys = bucketItems.stream().map(StoreItem::key).toList();
    long bytes = BucketWriter.dataBytes(bucketItems);
    String noRoom = reserveRoom(bytes, evicted);
    if (noRoom != null) {
      index.releaseKeys(keys);
      group.forEach(i -> results[i] = StoreResult.failed(items.get(i).key(), ErrorCode.NO_AVAILABLE_HANDLE, noRoom));
      return;
    }
    long bucketId = nextBucketId.getAndIncrement();
    try {
      BucketMeta meta = writer.write(bucketId, bucketItems);
      index.publish(meta, System.nanoTime());
      for (int k = 0; k < group.size(); k++) {
        BucketMeta.Entry e = meta.entries().get(k);
        results[group.get(k)] = StoreResult.stored(e.key(), bucketId, e.offset(), e.size());
      }
      stats.bucketsWritten.increment();
      stats.objectsStored.add(group.size());
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.WARNING, "writing bucket " + bucketId + " failed", e);
      stats.bucketWriteFailures.increment();
      index.releaseKeys(keys);
      String message = "bucket " + bucketId + " write failed: " + e.getMessage();
      group.forEach(i -> results[i] = StoreResult.failed(items.get(i).key(), ErrorCode.FILE_WRITE_FAIL, message));
    } finally {
      index.releaseBytes(bytes);
    }
  }

  /**
   * Reserves {@code bytes} of capacity for a bucket about to be written, first evicting whole buckets when usage would
   * pass the high watermark (down to the low one). Null when reserved, else why not.
   */
  private String reserveRoom(long bytes, List<SsdKey> evicted) {
    maintenance.lock();
    try {
      if (index.committedAndReservedBytes() + bytes > options.highWatermark() * capacityBytes) {
        while (index.committedAndReservedBytes() + bytes > options.lowWatermark() * capacityBytes) {
          long victim = index.victim(options.evictionPolicy());
          if (victim < 0 || !deleteBucket(victim, evicted)) {
            break;
          }
        }
      }
      long wouldUse = index.committedAndReservedBytes() + bytes;
      if (wouldUse > capacityBytes) {
        return "SSD capacity of " + capacityBytes + " bytes exhausted: a bucket of " + bytes + " bytes would need "
            + wouldUse + " (eviction policy " + options.evictionPolicy() + ")";
      }
      index.reserveBytes(bytes);
      return null;
    } finally {
      maintenance.unlock();
    }
  }

  /** Deletes a whole bucket, files first (meta before data), then the index entry. Caller holds the maintenance lock. */
  private boolean deleteBucket(long bucketId, List<SsdKey> removedKeys) {
    try {
      files.deleteBucket(bucketId);
    } catch (IOException e) {
      LOG.log(Level.WARNING, "could not delete bucket " + bucketId, e);
      return false;
    }
    List<SsdKey> keys = index.removeBucket(bucketId);
    removedKeys.addAll(keys);
    stats.bucketsEvicted.increment();
    stats.objectsEvicted.add(keys.size());
    return true;
  }

  /** Loads a batch into the callers' destinations; see {@link LoadItem} for which destinations are read into directly. */
  public List<LoadResult> load(List<LoadItem> items) {
    LoadResult[] results = new LoadResult[items.size()];
    TreeMap<Long, List<Integer>> byBucket = new TreeMap<>();
    BucketIndex.Location[] locations = new BucketIndex.Location[items.size()];
    long now = System.nanoTime();
    for (int i = 0; i < items.size(); i++) {
      LoadItem item = items.get(i);
      BucketIndex.Location location = index.locate(item.key(), now);
      if (location == null) {
        results[i] = LoadResult.failed(item.key(), ErrorCode.OBJECT_NOT_FOUND, "not on this SSD");
      } else if (item.dst().isReadOnly() || item.dst().byteSize() < location.size()) {
        results[i] = LoadResult.failed(item.key(), ErrorCode.BUFFER_OVERFLOW, "destination of "
            + item.dst().byteSize() + " bytes" + (item.dst().isReadOnly() ? " is read-only" : "") + " for an object of "
            + location.size() + " bytes");
      } else {
        locations[i] = location;
        byBucket.computeIfAbsent(location.bucketId(), id -> new ArrayList<>()).add(i);
      }
    }
    reader.readAll(byBucket, items, locations, results);
    return Arrays.asList(results);
  }

  /**
   * Removes objects from this SSD. A bucket left without objects is deleted; otherwise its meta is rewritten without
   * them so they do not come back after a restart. Unknown keys get OBJECT_NOT_FOUND.
   */
  public List<KeyResult> evict(List<SsdKey> keys) {
    KeyResult[] results = new KeyResult[keys.size()];
    maintenance.lock();
    try {
      LinkedHashMap<Long, List<Integer>> byBucket = new LinkedHashMap<>();
      Set<SsdKey> seen = new HashSet<>();
      for (int i = 0; i < keys.size(); i++) {
        BucketIndex.Location location = index.peek(keys.get(i));
        if (!seen.add(keys.get(i))) {
          results[i] = new KeyResult(keys.get(i), ErrorCode.INVALID_PARAMS, "key listed twice in the batch");
        } else if (location == null) {
          results[i] = new KeyResult(keys.get(i), ErrorCode.OBJECT_NOT_FOUND, "not on this SSD");
        } else {
          byBucket.computeIfAbsent(location.bucketId(), id -> new ArrayList<>()).add(i);
        }
      }
      byBucket.forEach((bucketId, positions) -> evictFromBucket(bucketId, positions, keys, results));
    } finally {
      maintenance.unlock();
    }
    return Arrays.asList(results);
  }

  private void evictFromBucket(long bucketId, List<Integer> positions, List<SsdKey> keys, KeyResult[] results) {
    List<SsdKey> gone = positions.stream().map(keys::get).toList();
    List<BucketMeta.Entry> live = index.liveEntries(bucketId);
    List<BucketMeta.Entry> remaining = new ArrayList<>(live == null ? List.of() : live);
    remaining.removeIf(e -> gone.contains(e.key()));
    String failure = null;
    if (remaining.isEmpty()) {
      if (!deleteBucket(bucketId, new ArrayList<>())) {
        failure = "could not delete bucket " + bucketId;
      }
    } else {
      try {
        writer.writeMeta(new BucketMeta(bucketId, index.dataBytes(bucketId), remaining));
        gone.forEach(index::removeKey);
        stats.objectsEvicted.add(gone.size());
      } catch (IOException e) {
        failure = "rewriting the meta of bucket " + bucketId + " failed: " + e.getMessage();
      }
    }
    for (int i : positions) {
      results[i] = failure == null ? new KeyResult(keys.get(i), ErrorCode.OK, "")
          : new KeyResult(keys.get(i), ErrorCode.FILE_WRITE_FAIL, failure);
    }
  }

  /** Objects of whole buckets after {@code afterBucketId} (start with -1), about {@code maxObjects} per page. */
  public ScanPage scan(long afterBucketId, int maxObjects) {
    if (maxObjects < 1) {
      throw new IllegalArgumentException("maxObjects must be >= 1, got " + maxObjects);
    }
    return index.scan(afterBucketId, maxObjects);
  }

  /** Every stored object (for re-registration with the master after a restart). */
  public List<StoredObject> scanAll() {
    return index.scan(-1, Integer.MAX_VALUE).objects();
  }

  public boolean contains(SsdKey key) {
    return index.peek(key) != null;
  }

  /** Size of a stored object in bytes, or -1 if it is not stored here. */
  public long sizeOf(SsdKey key) {
    BucketIndex.Location location = index.peek(key);
    return location == null ? -1 : location.size();
  }

  public long capacityBytes() {
    return capacityBytes;
  }

  /** Bytes of the bucket data files (what counts against the capacity). */
  public long usedBytes() {
    return index.usedBytes();
  }

  public int objectCount() {
    return index.objectCount();
  }

  public int bucketCount() {
    return index.bucketCount();
  }

  public BucketStoreOptions options() {
    return options;
  }

  public BucketStoreStats stats() {
    return stats;
  }

  /** CRC32C of the first {@code size} bytes of {@code segment}. */
  static int crc32c(MemorySegment segment, long size) {
    CRC32C crc = new CRC32C();
    for (long at = 0; at < size; at += Integer.MAX_VALUE / 2) {
      crc.update(segment.asSlice(at, Math.min(Integer.MAX_VALUE / 2, size - at)).asByteBuffer());
    }
    return (int) crc.getValue();
  }
}
