package io.kvcache.alloc;

import java.util.List;

/**
 * {@code random}: preferred segments, then the bounded random walk (reference RandomAllocationStrategy). Cheapest; its
 * placements spread load only statistically. NOT thread-safe (one instance per shard).
 */
final class RandomStrategy extends BaseStrategy {
  RandomStrategy(long seed) {
    super(seed);
  }

  @Override
  public String name() {
    return "random";
  }

  @Override
  void placeRest(Segment[] segments, long sizeBytes, int replicaNum, List<String> excluded, Placement out) {
    randomWalk(segments, sizeBytes, replicaNum, excluded, out);
  }
}
