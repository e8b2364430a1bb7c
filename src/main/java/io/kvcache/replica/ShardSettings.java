package io.kvcache.replica;

/**
 * The knobs of a replica shard (from the node config). Timeouts are milliseconds.
 *
 * @param leaseTtlMs read lease granted by get, exists and replica lists
 * @param discardTimeoutMs after this, a new PutStart may preempt a PROCESSING put of the same key
 * @param releaseTimeoutMs preempted/abandoned PROCESSING buffers are not reused until this long after their PutStart
 * @param defaultSoftPinTtlMs soft-pin TTL when ENABLE carries none
 * @param maxSoftPinTtlMs largest soft-pin TTL a put may ask for
 * @param maxValueSize largest value a put may reserve
 * @param maxReplicas largest replica_num a put may ask for
 */
public record ShardSettings(long leaseTtlMs, long discardTimeoutMs, long releaseTimeoutMs, long defaultSoftPinTtlMs,
                            long maxSoftPinTtlMs, long maxValueSize, int maxReplicas) {
  public ShardSettings {
    if (releaseTimeoutMs <= discardTimeoutMs) {
      throw new IllegalArgumentException("release timeout (" + releaseTimeoutMs
          + " ms) must exceed discard timeout (" + discardTimeoutMs + " ms)");
    }
    if (defaultSoftPinTtlMs > maxSoftPinTtlMs) {
      throw new IllegalArgumentException("default soft-pin TTL (" + defaultSoftPinTtlMs
          + " ms) exceeds the maximum (" + maxSoftPinTtlMs + " ms)");
    }
  }

  /** The reference defaults: lease 10 s, discard 30 s, release 600 s, soft pin 30 min (max 24 h), values up to 64 MiB. */
  public static ShardSettings defaults() {
    return new ShardSettings(10_000, 30_000, 600_000, 1_800_000, 86_400_000, 64L << 20, 64);
  }
}
