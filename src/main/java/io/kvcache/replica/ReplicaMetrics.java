package io.kvcache.replica;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Meters shared by all shards of a master ({@code kvstore_replica_*}). Micrometer counters are thread-safe, so shards
 * on different event loops update them directly.
 */
public final class ReplicaMetrics {
  final Counter putStartAllocFailures;
  final Counter putStartPartialAllocations;
  final Counter putStartDiscarded;
  final Counter putStartReleased;
  final Counter discardedStagingBytes;
  final Counter memoryHits;
  final Counter memoryHitBytes;
  final Counter getMisses;

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
    memoryHits = counter(registry, "kvstore_replica_mem_cache_hits", "Reads served by a memory replica");
    memoryHitBytes = counter(registry, "kvstore_replica_mem_cache_hit_bytes", "Bytes of reads served from memory");
    getMisses = counter(registry, "kvstore_replica_get_misses", "Replica-list requests for absent objects");
  }

  /** Meters that go nowhere, for unit tests of the domain. */
  public static ReplicaMetrics detached() {
    return new ReplicaMetrics(new SimpleMeterRegistry());
  }

  private static Counter counter(MeterRegistry registry, String name, String help) {
    return Counter.builder(name).description(help).register(registry);
  }
}
