package io.kvcache.ssd;

import io.kvcache.ssd.bucket.BucketStore;
import io.kvcache.ssd.bucket.BucketStoreStats;
import io.kvcache.ssd.uring.UringStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.function.ToDoubleFunction;

/**
 * Binds the SSD counters and gauges to Micrometer as {@code kvstore_ssd_<what>}. The meters read the live
 * {@link UringStats}/{@link BucketStoreStats} at scrape time; nothing is copied.
 *
 * <p>Stateless; thread-safe.
 */
public final class SsdMeters {
  private SsdMeters() {}

  /** @param uring the io_uring engine's stats, or null when the FileChannel fallback is in use */
  public static void bind(MeterRegistry registry, UringStats uring, BucketStore store) {
    if (uring != null) {
      counter(registry, "kvstore_ssd_rings_created", "io_uring rings set up (one per I/O thread)", uring,
          UringStats::ringsCreated);
      counter(registry, "kvstore_ssd_fixed_reads", "reads issued as READ_FIXED into the registered region", uring,
          UringStats::fixedReads);
      counter(registry, "kvstore_ssd_plain_reads", "reads issued as plain READ/READV", uring, UringStats::plainReads);
      counter(registry, "kvstore_ssd_registration_failures", "rings that could not register the load-buffer region",
          uring, UringStats::registrationFailures);
      counter(registry, "kvstore_ssd_retries", "requests resubmitted after EAGAIN/EINTR", uring, UringStats::retries);
      counter(registry, "kvstore_ssd_short_transfers", "requests resubmitted for the rest of a short transfer", uring,
          UringStats::shortTransfers);
      counter(registry, "kvstore_ssd_broken_rings", "rings discarded after an io_uring error", uring,
          UringStats::brokenRings);
    }
    BucketStoreStats stats = store.stats();
    counter(registry, "kvstore_ssd_buckets_written", "bucket files written", stats, BucketStoreStats::bucketsWritten);
    counter(registry, "kvstore_ssd_bucket_write_failures", "bucket writes that failed", stats,
        BucketStoreStats::bucketWriteFailures);
    counter(registry, "kvstore_ssd_buckets_evicted", "bucket files deleted by eviction", stats,
        BucketStoreStats::bucketsEvicted);
    counter(registry, "kvstore_ssd_objects_loaded", "objects read back and verified", stats,
        BucketStoreStats::objectsLoaded);
    counter(registry, "kvstore_ssd_checksum_failures", "loads that failed their CRC32C", stats,
        BucketStoreStats::checksumFailures);
    counter(registry, "kvstore_ssd_torn_buckets_deleted", "torn buckets deleted at startup", stats,
        BucketStoreStats::tornBucketsDeleted);
    Gauge.builder("kvstore_ssd_used_bytes", store, BucketStore::usedBytes).description("bytes of bucket files")
        .baseUnit("bytes").register(registry);
    Gauge.builder("kvstore_ssd_capacity_bytes", store, BucketStore::capacityBytes).description("SSD capacity limit")
        .baseUnit("bytes").register(registry);
    Gauge.builder("kvstore_ssd_objects", store, BucketStore::objectCount).description("objects stored")
        .register(registry);
  }

  private static <T> void counter(MeterRegistry registry, String name, String description, T source,
                                  ToDoubleFunction<T> value) {
    FunctionCounter.builder(name, source, value).description(description).register(registry);
  }
}
