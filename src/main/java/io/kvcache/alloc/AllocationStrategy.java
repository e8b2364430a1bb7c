package io.kvcache.alloc;

import io.kvcache.proto.v1.ErrorCode;
import java.util.List;

/**
 * Places the replicas of one object on distinct segments. The contract every strategy keeps (reference §4):
 * <ul>
 *   <li>{@code sizeBytes <= 0} or {@code replicaNum <= 0}: {@link #INVALID_PARAMS}, nothing allocated;</li>
 *   <li>preferred segments first, in the order given (unknown, excluded or non-allocatable ones are skipped);</li>
 *   <li>every replica on a different segment; excluded segments never used;</li>
 *   <li>best effort: fewer replicas than asked is success (the count is returned), none is {@link #NO_AVAILABLE_HANDLE}.</li>
 * </ul>
 *
 * <p>Instances are NOT thread-safe (each has its own seeded random and scratch arrays): give every thread/shard its own.
 * Many instances may allocate concurrently on one registry. An allocate call allocates no Java objects.
 */
public interface AllocationStrategy {
  /** -200: no segment could take a replica. */
  int NO_AVAILABLE_HANDLE = ErrorCode.NO_AVAILABLE_HANDLE_VALUE;
  /** -600: size or replica count &lt;= 0. */
  int INVALID_PARAMS = ErrorCode.INVALID_PARAMS_VALUE;

  /**
   * Places up to {@code replicaNum} replicas of {@code sizeBytes} into {@code out} (cleared first). Returns the number
   * placed (&gt;= 1), or {@link #NO_AVAILABLE_HANDLE}, or {@link #INVALID_PARAMS}.
   */
  int allocate(SegmentRegistry registry, long sizeBytes, int replicaNum, List<String> preferred, List<String> excluded,
      Placement out);

  /** The config name: random, free_ratio_first or fragmentation_aware. */
  String name();

  /** Segment allocation attempts this instance made that failed (a segment tried and found without room). */
  long failedAttempts();
}
