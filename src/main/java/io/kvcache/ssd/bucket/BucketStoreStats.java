package io.kvcache.ssd.bucket;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of a {@link BucketStore} for the {@code kvstore_ssd_*} meters.
 *
 * <p>Thread-safe: LongAdders.
 */
public final class BucketStoreStats {
  final LongAdder bucketsWritten = new LongAdder();
  final LongAdder bucketWriteFailures = new LongAdder();
  final LongAdder bucketsEvicted = new LongAdder();
  final LongAdder objectsStored = new LongAdder();
  final LongAdder objectsLoaded = new LongAdder();
  final LongAdder objectsEvicted = new LongAdder();
  final LongAdder checksumFailures = new LongAdder();
  final LongAdder tornBucketsDeleted = new LongAdder();
  final LongAdder orphanFilesDeleted = new LongAdder();

  public long bucketsWritten() {
    return bucketsWritten.sum();
  }

  public long bucketWriteFailures() {
    return bucketWriteFailures.sum();
  }

  /** Whole buckets removed by watermark eviction or because their last key was evicted. */
  public long bucketsEvicted() {
    return bucketsEvicted.sum();
  }

  public long objectsStored() {
    return objectsStored.sum();
  }

  public long objectsLoaded() {
    return objectsLoaded.sum();
  }

  public long objectsEvicted() {
    return objectsEvicted.sum();
  }

  /** Loads whose bytes did not match the CRC32C recorded at store time. */
  public long checksumFailures() {
    return checksumFailures.sum();
  }

  /** Buckets dropped at startup: meta unreadable or failing its checksum, data file missing, short or foreign. */
  public long tornBucketsDeleted() {
    return tornBucketsDeleted.sum();
  }

  /** Data files without a meta and leftover temporary metas deleted at startup. */
  public long orphanFilesDeleted() {
    return orphanFilesDeleted.sum();
  }
}
