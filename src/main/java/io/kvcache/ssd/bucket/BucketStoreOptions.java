package io.kvcache.ssd.bucket;

import io.kvcache.ssd.io.DirectFile;
import java.nio.file.Path;

/**
 * Settings of a {@link BucketStore}; the constructor rejects values that make no sense, naming the setting.
 *
 * @param dir directory of the {@code <id>.bucket} / {@code <id>.meta} files (created if missing)
 * @param keysPerBucket most objects per bucket (config {@code bucket_keys_limit}, default 500)
 * @param bytesPerBucket most bytes per bucket data file, header and padding included (config {@code bucket_size_limit},
 *     default 256 MiB); an object that cannot fit an empty bucket is refused
 * @param capacityBytes most bytes of bucket data files in total (config {@code capacity}); 0 = 90 % of the file system
 * @param highWatermark fraction of capacity that triggers eviction (default 0.90)
 * @param lowWatermark fraction of capacity eviction brings usage down to (default 0.80)
 * @param evictionPolicy which bucket goes first (default FIFO)
 * @param maxKeyBytes longest key accepted (default 4096)
 */
public record BucketStoreOptions(Path dir, int keysPerBucket, long bytesPerBucket, long capacityBytes,
                                 double highWatermark, double lowWatermark, EvictionPolicy evictionPolicy,
                                 int maxKeyBytes) {
  public static final int DEFAULT_KEYS_PER_BUCKET = 500;
  public static final long DEFAULT_BYTES_PER_BUCKET = 256L << 20;
  public static final double DEFAULT_HIGH_WATERMARK = 0.90;
  public static final double DEFAULT_LOW_WATERMARK = 0.80;
  public static final int DEFAULT_MAX_KEY_BYTES = 4096;
  /** Share of the file system used when no capacity is configured. */
  public static final double DEFAULT_FILESYSTEM_SHARE = 0.90;

  public BucketStoreOptions {
    require(dir != null, "ssd.dir must be set");
    require(keysPerBucket >= 1, "ssd.bucket_keys_limit must be >= 1, got " + keysPerBucket);
    require(bytesPerBucket >= 2L * DirectFile.ALIGNMENT && bytesPerBucket % DirectFile.ALIGNMENT == 0,
        "ssd.bucket_size_limit must be a multiple of 4096 and >= 8192, got " + bytesPerBucket);
    require(capacityBytes >= 0, "ssd.capacity must be >= 0 (0 = 90% of the file system), got " + capacityBytes);
    require(lowWatermark > 0 && lowWatermark <= highWatermark && highWatermark <= 1,
        "ssd watermarks must satisfy 0 < low <= high <= 1, got low " + lowWatermark + " high " + highWatermark);
    require(evictionPolicy != null, "ssd.eviction_policy must be one of NONE, FIFO, LRU");
    require(maxKeyBytes >= 1 && maxKeyBytes <= BucketMetaLayout.MAX_KEY_BYTES,
        "ssd.max_key_bytes must be in 1.." + BucketMetaLayout.MAX_KEY_BYTES + ", got " + maxKeyBytes);
  }

  /** Defaults for everything but the directory. */
  public static BucketStoreOptions defaults(Path dir) {
    return new BucketStoreOptions(dir, DEFAULT_KEYS_PER_BUCKET, DEFAULT_BYTES_PER_BUCKET, 0, DEFAULT_HIGH_WATERMARK,
        DEFAULT_LOW_WATERMARK, EvictionPolicy.FIFO, DEFAULT_MAX_KEY_BYTES);
  }

  public BucketStoreOptions withLimits(int keys, long bytes) {
    return new BucketStoreOptions(dir, keys, bytes, capacityBytes, highWatermark, lowWatermark, evictionPolicy,
        maxKeyBytes);
  }

  public BucketStoreOptions withCapacity(long bytes, EvictionPolicy policy) {
    return new BucketStoreOptions(dir, keysPerBucket, bytesPerBucket, bytes, highWatermark, lowWatermark, policy,
        maxKeyBytes);
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
