package io.kvcache.alloc;

import java.util.List;

/**
 * What every strategy shares: argument checks, the preferred-segments phase, the bounded random walk (reference
 * RandomAllocationStrategy: from a random index, consecutive segments with wrap-around, at most min(100, n) steps), the
 * seeded random (SplitMix64 in a long: no objects, reproducible per seed) and the failed-attempt counter.
 *
 * <p>NOT thread-safe (see {@link AllocationStrategy}).
 */
abstract class BaseStrategy implements AllocationStrategy {
  /** The reference's kMaxRetryLimit: the random walk visits at most this many segments. */
  static final int MAX_WALK_STEPS = 100;

  private long randomState;
  private long failedAttempts;

  BaseStrategy(long seed) {
    this.randomState = seed;
  }

  @Override
  public final int allocate(SegmentRegistry registry, long sizeBytes, int replicaNum, List<String> preferred,
      List<String> excluded, Placement out) {
    out.clear();
    if (sizeBytes <= 0 || replicaNum <= 0) {
      return INVALID_PARAMS;
    }
    if (preferred != null) {
      for (int i = 0; i < preferred.size() && out.count() < replicaNum; i++) {
        Segment segment = registry.byName(preferred.get(i));
        if (segment != null && isCandidate(segment, sizeBytes, excluded, out)) {
          tryPlace(segment, sizeBytes, out);
        }
      }
    }
    Segment[] segments = registry.snapshot();
    if (out.count() < replicaNum && segments.length > 0) {
      placeRest(segments, sizeBytes, replicaNum, excluded, out);
    }
    return out.count() > 0 ? out.count() : NO_AVAILABLE_HANDLE;
  }

  @Override
  public final long failedAttempts() {
    return failedAttempts;
  }

  /** Fills {@code out} up to {@code replicaNum} from the mounted segments (after the preferred phase). */
  abstract void placeRest(Segment[] segments, long sizeBytes, int replicaNum, List<String> excluded, Placement out);

  /** Whether a segment may be tried at all: {@link #isEligible} and {@link #worthTrying}. */
  final boolean isCandidate(Segment segment, long sizeBytes, List<String> excluded, Placement out) {
    return isEligible(segment, excluded, out) && worthTrying(segment, sizeBytes);
  }

  /** Allocatable, not excluded, not already holding a replica of this object. */
  static boolean isEligible(Segment segment, List<String> excluded, Placement out) {
    return segment.isAllocatable() && !out.contains(segment) && (excluded == null || !excluded.contains(segment.name()));
  }

  /** Hook for strategies that can tell from the snapshot that an attempt would fail. */
  boolean worthTrying(Segment segment, long sizeBytes) {
    return true;
  }

  /** Tries one segment; counts a failed attempt when it had no room. */
  final boolean tryPlace(Segment segment, long sizeBytes, Placement out) {
    if (segment.allocateInto(sizeBytes, out)) {
      return true;
    }
    failedAttempts++;
    return false;
  }

  /** The reference's random walk: from a random start, consecutive segments with wrap, min(100, n) steps. */
  final void randomWalk(Segment[] segments, long sizeBytes, int replicaNum, List<String> excluded, Placement out) {
    int n = segments.length;
    int steps = Math.min(MAX_WALK_STEPS, n);
    int index = nextInt(n);
    for (int step = 0; step < steps && out.count() < replicaNum; step++) {
      Segment segment = segments[index];
      if (isCandidate(segment, sizeBytes, excluded, out)) {
        tryPlace(segment, sizeBytes, out);
      }
      if (++index == n) {
        index = 0;
      }
    }
  }

  /** Uniform in [0, bound), bound &gt; 0. */
  final int nextInt(int bound) {
    return (int) (((nextLong() >>> 32) * bound) >>> 32);
  }

  /** SplitMix64 step. */
  private long nextLong() {
    long z = (randomState += 0x9E3779B97F4A7C15L);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
