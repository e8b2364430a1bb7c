package io.kvcache.alloc;

import java.util.List;

/**
 * "Best of N" (reference RankedAllocationStrategy): after the preferred phase, sample min(6 × remaining replicas, n)
 * consecutive segments from a random start, rank the candidates by {@link #score} (descending; ties keep sample order),
 * try them in that order, then fall back to the random walk for whatever is still missing. The sample bound keeps the
 * cost independent of the cluster size (no full scans).
 *
 * <p>Ranking uses two scratch arrays owned by the instance (grown only when a larger sample than ever before is needed),
 * so a call allocates nothing. NOT thread-safe.
 */
abstract class RankedStrategy extends BaseStrategy {
  /** The reference's kCandidateMultiplier. */
  static final int CANDIDATE_MULTIPLIER = 6;

  private Segment[] rankedSegments = new Segment[3 * CANDIDATE_MULTIPLIER];
  private double[] rankedScores = new double[3 * CANDIDATE_MULTIPLIER];

  RankedStrategy(long seed) {
    super(seed);
  }

  /**
   * Higher is tried first; negative: not worth trying. Called for eligible segments (allocatable, not excluded, not
   * used); a score that already reads what {@link #worthTrying} reads can decide both at once.
   */
  abstract double score(Segment segment, long sizeBytes);

  @Override
  final void placeRest(Segment[] segments, long sizeBytes, int replicaNum, List<String> excluded, Placement out) {
    int n = segments.length;
    int sample = (int) Math.min((long) CANDIDATE_MULTIPLIER * (replicaNum - out.count()), n);
    if (sample > rankedSegments.length) {
      rankedSegments = new Segment[sample];
      rankedScores = new double[sample];
    }
    int ranked = 0;
    int index = nextInt(n);
    for (int i = 0; i < sample; i++) {
      Segment segment = segments[index];
      if (isEligible(segment, excluded, out)) {
        double score = score(segment, sizeBytes);
        if (score >= 0) {
          ranked = insertRanked(segment, score, ranked);
        }
      }
      if (++index == n) {
        index = 0;
      }
    }
    for (int i = 0; i < ranked; i++) {
      if (out.count() < replicaNum) {
        tryPlace(rankedSegments[i], sizeBytes, out);
      }
      rankedSegments[i] = null; // the scratch array must not keep unmounted segments reachable
    }
    if (out.count() < replicaNum) {
      randomWalk(segments, sizeBytes, replicaNum, excluded, out);
    }
  }

  /** Insertion into the descending ranking (samples are a few dozen at most); returns the new ranked count. */
  private int insertRanked(Segment segment, double score, int ranked) {
    int position = ranked;
    while (position > 0 && rankedScores[position - 1] < score) {
      rankedSegments[position] = rankedSegments[position - 1];
      rankedScores[position] = rankedScores[position - 1];
      position--;
    }
    rankedSegments[position] = segment;
    rankedScores[position] = score;
    return ranked + 1;
  }
}
