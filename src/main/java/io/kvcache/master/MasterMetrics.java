package io.kvcache.master;

import io.kvcache.alloc.NodeLiveness;
import io.kvcache.alloc.SegmentRegistry;
import io.kvcache.replica.Shard;
import io.kvcache.tasks.TaskBoard;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;

/**
 * The master's meters: {@code kvstore_replica_*} per shard (objects, puts in flight, leases, parked buffers, hits by
 * tier, misses), {@code kvstore_tasks_unfinished_replications},
 * {@code kvstore_alloc_*} (capacity, use, segments, live storage nodes), {@code kvstore_replica_live_pins} and
 * {@code kvstore_offload_*} (objects and bytes written, NACKs, refused completions, queue depth per node).
 *
 * <p>The meters read this master's objects: {@link #close} removes them when the node stops being the active master
 * (a later promotion registers its own).
 *
 * <p>Thread-safe (Micrometer meters; gauges read their sources under those sources' own guards).
 */
public final class MasterMetrics {
  private final MeterRegistry registry;
  private final List<Meter> registered = new CopyOnWriteArrayList<>();
  private final TaskBoard board;
  private final Counter offloaded;
  private final Counter offloadedBytes;
  private final Counter nacks;

  MasterMetrics(MeterRegistry registry, MasterShards shards, SegmentRegistry segments, NodeLiveness liveness,
                TaskBoard board) {
    this.registry = registry;
    this.board = board;
    for (int s = 0; s < shards.count(); s++) {
      shardMeters(shards, s);
    }
    track(Gauge.builder("kvstore_replica_live_pins", shards.shared().livePins(), AtomicLong::get)
        .description("Replicas pinned against eviction by copy, move and offload tasks").register(registry));
    track(Gauge.builder("kvstore_tasks_unfinished_replications", board, TaskBoard::unfinishedReplications)
        .description("Copy and move tasks (CreateCopyTask, CreateMoveTask) not finished yet").register(registry));
    track(Gauge.builder("kvstore_alloc_capacity_bytes", segments, SegmentRegistry::capacityBytes)
        .description("Bytes of all mounted segments").register(registry));
    track(Gauge.builder("kvstore_alloc_used_bytes", segments, SegmentRegistry::allocatedBytes)
        .description("Bytes allocated to replicas (requested sizes)").register(registry));
    track(Gauge.builder("kvstore_alloc_segments", segments, r -> r.snapshot().length)
        .description("Mounted segments").register(registry));
    track(Gauge.builder("kvstore_alloc_live_storage_nodes", liveness, NodeLiveness::size)
        .description("Storage nodes heart-beating within their TTL").register(registry));
    offloaded = Counter.builder("kvstore_offload_objects").description("Objects written to a node's SSD")
        .register(registry);
    offloadedBytes = Counter.builder("kvstore_offload_bytes").description("Bytes written to nodes' SSDs")
        .register(registry);
    nacks = Counter.builder("kvstore_offload_nacks").description("Offloads a node reported as failed")
        .register(registry);
    track(FunctionCounter.builder("kvstore_offload_refused_completions", board, TaskBoard::refused)
        .description("Task completions refused: not the assigned node, unknown task or bad token").register(registry));
  }

  private void shardMeters(MasterShards shards, int shard) {
    Tags tags = Tags.of("shard", String.valueOf(shard));
    gauge(shards, shard, tags, "kvstore_replica_objects", "Objects in this shard", Shard::objectCount);
    gauge(shards, shard, tags, "kvstore_replica_live_leases", "Objects with a live read lease", Shard::liveLeases);
    gauge(shards, shard, tags, "kvstore_replica_parked_buffers",
        "Preempted or abandoned buffer sets waiting for the release timeout", Shard::parkedCount);
    gauge(shards, shard, tags, "kvstore_replica_processing_objects",
        "Puts started and not yet ended, revoked or abandoned (PROCESSING objects)", Shard::processingCount);
    counter(shards, shard, tags, "kvstore_replica_mem_cache_hits", "Reads served by a memory replica",
        Shard::memoryHits);
    counter(shards, shard, tags, "kvstore_replica_mem_cache_hit_bytes", "Bytes of reads served from memory",
        Shard::memoryHitBytes);
    counter(shards, shard, tags, "kvstore_replica_disk_cache_hits", "Reads served by an SSD replica",
        Shard::diskHits);
    counter(shards, shard, tags, "kvstore_replica_disk_cache_hit_bytes", "Bytes of reads served from SSD",
        Shard::diskHitBytes);
    counter(shards, shard, tags, "kvstore_replica_get_misses", "Replica-list requests for absent objects",
        Shard::misses);
  }

  private void gauge(MasterShards shards, int shard, Tags tags, String name, String help, ToLongFunction<Shard> value) {
    track(Gauge.builder(name, shards, all -> all.call(shard, value::applyAsLong)).tags(tags).description(help)
        .register(registry));
  }

  private void counter(MasterShards shards, int shard, Tags tags, String name, String help,
                       ToLongFunction<Shard> value) {
    track(FunctionCounter.builder(name, shards, all -> all.call(shard, value::applyAsLong)).tags(tags).description(help)
        .register(registry));
  }

  private void track(Meter meter) {
    registered.add(meter);
  }

  /** Removes the meters that read this master's objects. */
  void close() {
    registered.forEach(registry::remove);
    registered.clear();
  }

  /** The queue-depth gauge of a node whose SSD takes offloads (registered once per node). */
  void offloadQueue(String nodeId) {
    track(Gauge.builder("kvstore_offload_queue_depth", board, b -> b.depth(nodeId)).tag("node", nodeId)
        .description("Objects waiting for (or being written to) this node's SSD").register(registry));
  }

  /** An accepted offload outcome. */
  void offloaded(boolean stored, long bytes) {
    if (stored) {
      offloaded.increment();
      offloadedBytes.increment(bytes);
    } else {
      nacks.increment();
    }
  }
}
