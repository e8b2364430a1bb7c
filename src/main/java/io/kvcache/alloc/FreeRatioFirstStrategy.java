package io.kvcache.alloc;

/**
 * {@code free_ratio_first} (reference FreeRatioFirst): a bounded sample ranked by free ratio, (capacity − requested bytes)
 * / capacity, highest first; then the random walk. Balances utilisation, but knows nothing about contiguity: a segment with
 * much free space in small holes ranks first and fails large requests. NOT thread-safe (one instance per shard).
 */
final class FreeRatioFirstStrategy extends RankedStrategy {
  FreeRatioFirstStrategy(long seed) {
    super(seed);
  }

  @Override
  public String name() {
    return "free_ratio_first";
  }

  @Override
  double score(Segment segment, long sizeBytes) {
    return segment.freeRatio();
  }
}
