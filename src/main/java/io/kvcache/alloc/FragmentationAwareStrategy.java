package io.kvcache.alloc;

/**
 * {@code fragmentation_aware}: the bounded sample of free_ratio_first (min(6 × remaining replicas, n) consecutive
 * segments from a random start, then the random walk), with two changes that use what the allocator knows about
 * contiguity.
 *
 * <ol>
 *   <li><b>Filter.</b> A candidate whose largest free region cannot hold the request is never tried, in the ranked phase,
 *       the preferred phase and the fallback walk alike. The largest free region is exactly the largest request that can
 *       succeed (it is already the bin-rounded size), so nothing that would fit is skipped and no attempt fails for lack
 *       of a contiguous region.</li>
 *   <li><b>Score: the fitting free ratio</b> = (free bytes in regions that can hold this request) / capacity. Free regions
 *       smaller than the request's size class are not counted; the rest are, in full.</li>
 * </ol>
 *
 * <p>Why this score. free_ratio_first balances raw free bytes, so a segment whose free space is shredded into holes too
 * small for the request ranks as high as one with the same space in one piece. Two things follow: attempts on it fail,
 * and the cluster's room for large objects runs out unevenly: some segments still have large holes while others, just
 * as "free", have none, so a multi-replica request of a large object finds fewer segments than it needs (a partial
 * placement) long before the cluster is full. Ranking by the space the request can actually use balances, for every
 * size class, the capacity that matters to it, so segments run out of room for large objects together. For small
 * objects almost all free space fits and the score is the free ratio, so they keep free_ratio_first's balance. On the
 * reference's size_class_churn with 3 replicas this cuts partial placements by 71–77 % on dsa_pair and 47–63 % on
 * kv_mixed over 20 seeds; the kv_mixed ones left are placements with no room anywhere (bench/ALLOCATION.md).
 *
 * <p>What it does not do: it does not pack better. Evictions stay within 2 % of free_ratio_first's (up to 1.6 % more on
 * 3-replica dsa_pair): the replicas that free_ratio_first leaves unplaced are space it does not use, and the space
 * fragmentation_aware fills with them has to be evicted eventually.
 *
 * <p>Cost per candidate, on top of free_ratio_first's snapshot read: nothing more when every free region of the
 * segment can hold the request (the fitting space is then the free space: the usual case for small requests and for
 * unfragmented segments), else one lock-free read of the allocator's per-class free space ({@link FreeSpaceIndex}: at
 * most 8 bin and 16 octave counters, in address order). NOT thread-safe (one instance per shard).
 */
final class FragmentationAwareStrategy extends RankedStrategy {
  FragmentationAwareStrategy(long seed) {
    super(seed);
  }

  @Override
  public String name() {
    return "fragmentation_aware";
  }

  @Override
  boolean worthTrying(Segment segment, long sizeBytes) {
    return segment.largestFreeRegion() >= sizeBytes;
  }

  // The request's bin for the last (size, unit) seen: every candidate of one call shares them, bar mixed unit sizes.
  private long binCachedForSize = -1;
  private int binCachedForShift = -1;
  private int cachedBin;

  /** The fitting free ratio, or -1 (never tried) when the largest free region cannot hold the request. */
  @Override
  double score(Segment segment, long sizeBytes) {
    long largest = segment.largestFreeRegion();
    if (largest < sizeBytes) {
      return -1;
    }
    int shift = segment.unitShift();
    if (sizeBytes != binCachedForSize || shift != binCachedForShift) {
      cachedBin = SizeBins.roundUp(SizeBins.units(sizeBytes, shift));
      binCachedForSize = sizeBytes;
      binCachedForShift = shift;
    }
    return (double) segment.fittingFreeSpace(cachedBin, largest) / segment.capacity();
  }
}
