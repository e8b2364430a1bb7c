package io.kvcache.alloc;

/**
 * {@code fragmentation_aware}: the bounded sample of free_ratio_first, but a candidate whose largest free region cannot
 * hold the bin-rounded request is never tried, and the rest are ranked by contiguous free space. NOT thread-safe.
 */
final class FragmentationAwareStrategy extends RankedStrategy {
  FragmentationAwareStrategy(long seed) {
    super(seed);
  }

  @Override
  public String name() {
    return "fragmentation_aware";
  }

  /** largestFreeRegion() is exactly the largest request that can succeed, so this never skips a segment that would fit. */
  @Override
  boolean worthTrying(Segment segment, long sizeBytes) {
    return segment.largestFreeRegion() >= sizeBytes;
  }

  @Override
  double score(Segment segment, long sizeBytes) {
    return (double) segment.largestFreeRegion() / segment.capacity();
  }
}
