package io.kvcache.replica;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Meters shared by all shards of a master ({@code kvstore_replica_*}) for events that are rare per key (allocation
 * failures, preemptions, eviction rounds). Per-key counts (hits, misses) are plain fields of each shard, exported by
 * function counters, so the hot path never contends on a shared counter.
 */
public final class ReplicaMetrics {
  final Counter putStartAllocFailures;
  final Counter putStartPartialAllocations;
  final Counter putStartDiscarded;
  final Counter putStartReleased;
  final Counter discardedStagingBytes;
  public final Counter evictionsAttempted;
  public final Counter evictionsSuccessful;
  public final Counter evictedKeys;
  public final Counter evictedBytes;

  public ReplicaMetrics(MeterRegistry registry) {
    putStartAllocFailures = counter(registry, "kvstore_replica_put_start_alloc_failures",
        "PutStart calls that could place no replica");
    putStartPartialAllocations = counter(registry, "kvstore_replica_put_start_partial_allocations",
        "PutStart calls that placed fewer replicas than asked (best effort)");
    putStartDiscarded = counter(registry, "kvstore_replica_put_start_discarded",
        "Stale PROCESSING puts preempted or abandoned (buffers parked until the release timeout)");
    putStartReleased = counter(registry, "kvstore_replica_put_start_released",
        "Parked PROCESSING buffers given back after the release timeout");
    discardedStagingBytes = counter(registry, "kvstore_replica_put_start_discarded_staging_bytes",
        "Bytes of PROCESSING buffers parked by preemption or abandonment");
    evictionsAttempted = counter(registry, "kvstore_replica_evictions_attempted", "Eviction rounds run");
    evictionsSuccessful = counter(registry, "kvstore_replica_evictions_successful",
        "Eviction rounds that freed something (evicted objects or released parked buffers)");
    evictedKeys = counter(registry, "kvstore_replica_evicted_keys", "Objects whose memory replicas were evicted");
    evictedBytes = counter(registry, "kvstore_replica_evicted_bytes", "Memory bytes freed by eviction");
  }

  /** Meters that go nowhere, for unit tests of the domain. */
  public static ReplicaMetrics detached() {
    return new ReplicaMetrics(new SimpleMeterRegistry());
  }

  private static Counter counter(MeterRegistry registry, String name, String help) {
    return Counter.builder(name).description(help).register(registry);
  }
}
