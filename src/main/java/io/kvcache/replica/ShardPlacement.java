package io.kvcache.replica;

import io.kvcache.alloc.AllocationStrategy;
import io.kvcache.alloc.Placement;
import io.kvcache.alloc.SegmentRegistry;

import java.util.List;

/**
 * Where a shard's new replicas go: its own strategy instance over the master's thread-safe segment registry, with a
 * reused scratch {@link Placement} (so a PutStart allocates nothing for the placement itself).
 *
 * <p>Not thread-safe: part of one shard.
 */
final class ShardPlacement {
  private final SegmentRegistry segments;
  private final AllocationStrategy strategy;
  private final Placement placement = new Placement();

  ShardPlacement(SegmentRegistry segments, AllocationStrategy strategy) {
    this.segments = segments;
    this.strategy = strategy;
  }

  /**
   * Places up to {@code replicas} replicas of {@code size} bytes on distinct segments; returns how many (0: no room) or
   * {@code ErrorCode.INVALID_PARAMS_VALUE}; the replicas are then {@link #replica(int)}.
   */
  int place(long size, int replicas, List<String> preferredSegments) {
    return strategy.allocate(segments, size, replicas, preferredSegments, List.of(), placement);
  }

  /** The {@code i}-th replica of the last successful {@link #place}. */
  MemoryReplica replica(int i) {
    return new MemoryReplica(placement.segment(i), placement.handle(i));
  }

  /** One memory replica of {@code size} bytes; null when there is no room. */
  MemoryReplica one(long size, List<String> preferredSegments) {
    return place(size, 1, preferredSegments) >= 1 ? replica(0) : null;
  }

  int segmentCount() {
    return segments.size();
  }
}
