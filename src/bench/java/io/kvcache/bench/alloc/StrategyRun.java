package io.kvcache.bench.alloc;

import io.kvcache.alloc.AllocationStrategies;
import io.kvcache.alloc.AllocationStrategy;
import io.kvcache.alloc.Placement;
import io.kvcache.alloc.Segment;
import io.kvcache.alloc.SegmentRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One benchmark case: a cluster, one strategy instance, the live objects, the workload's random source and what the
 * tables report (latencies, outcomes, eviction rounds, failed segment attempts). Single-threaded, like the reference's.
 */
final class StrategyRun {
  static final int MAX_RETRIES = 5;

  final SegmentRegistry registry;
  final AllocationStrategy strategy;
  final Placement placement = new Placement(3);
  final LiveObjects live;
  final SplittableRandom random;
  final int replicas;
  final Samples latencies;
  long full;
  long partial;
  long failed;
  int evictionRounds;
  private long failedAttemptsAtStart;
  private long instrumentationNanos;
  private long startNanos;
  private long elapsedNanos;
  double finalAverageUtil;
  double finalUtilStdDev;
  double finalFragmentation;

  StrategyRun(SegmentRegistry registry, String strategyName, int replicas, long seed, int expectedObjects) {
    this.registry = registry;
    this.strategy = AllocationStrategies.create(strategyName, seed);
    this.replicas = replicas;
    this.random = new SplittableRandom(seed);
    this.live = new LiveObjects(replicas, expectedObjects);
    this.latencies = new Samples(expectedObjects);
  }

  static String displayName(String strategyName) {
    return switch (strategyName) {
      case "random" -> "Random";
      case "free_ratio_first" -> "FreeRatioFirst";
      case "fragmentation_aware" -> "FragmentationAware";
      default -> strategyName;
    };
  }

  /** One strategy call; keeps the object on success. Returns replicas placed (0 on failure). */
  int allocateOnce(long size) {
    int placed = strategy.allocate(registry, size, replicas, null, null, placement);
    if (placed > 0) {
      live.add(placement, size);
      return placed;
    }
    return 0;
  }

  /**
   * The churn/DSA loop of the reference: allocate; on failure evict {@code evictRatio} of the live objects at random and
   * retry, at most {@value #MAX_RETRIES} times. {@code preEvictUtil} (nullable) samples utilisation at the first eviction.
   */
  int allocateEvicting(long size, double evictRatio, Samples preEvictUtil) {
    for (int attempt = 0; attempt <= MAX_RETRIES; attempt++) {
      int placed = allocateOnce(size);
      if (placed > 0) {
        return placed;
      }
      if (live.count() == 0 || attempt == MAX_RETRIES) {
        return 0;
      }
      if (attempt == 0 && preEvictUtil != null) {
        preEvictUtil.add(Cluster.averageUtil(registry.snapshot()));
      }
      live.evict(evictRatio, random);
      evictionRounds++;
    }
    return 0;
  }

  /** Starts the measured window: outcome counters, failed attempts and eviction rounds from here on. */
  void startMeasuring() {
    System.gc(); // earlier cases' clusters are garbage: collect them now, not inside the measured window
    full = partial = failed = 0;
    evictionRounds = 0;
    failedAttemptsAtStart = strategy.failedAttempts();
    instrumentationNanos = 0;
    startNanos = System.nanoTime();
  }

  void record(long nanos, int placed) {
    latencies.add(nanos);
    if (placed == replicas) {
      full++;
    } else if (placed > 0) {
      partial++;
    } else {
      failed++;
    }
  }

  /** Time spent sampling inside the window, excluded from throughput (as the reference excludes it). */
  void addInstrumentation(long nanos) {
    instrumentationNanos += nanos;
  }

  /** Ends the measured window and takes the cluster's final figures (the objects are still live). */
  void stopMeasuring() {
    elapsedNanos = Math.max(1, System.nanoTime() - startNanos - instrumentationNanos);
    Segment[] segments = registry.snapshot();
    finalAverageUtil = Cluster.averageUtil(segments);
    finalUtilStdDev = Cluster.utilStdDev(segments);
    finalFragmentation = Cluster.fragmentation(segments);
  }

  long total() {
    return full + partial + failed;
  }

  long failedAttempts() {
    return strategy.failedAttempts() - failedAttemptsAtStart;
  }

  /** The columns every strategy table shares, after the case's identifying columns. */
  List<Object> commonColumns() {
    List<Object> cells = new ArrayList<>();
    cells.add(Table.fixed(total() / (elapsedNanos / 1e9), 0));
    cells.add(Table.fixed(latencies.mean(), 0));
    cells.add(Table.fixed(latencies.percentile(0.50), 0));
    cells.add(Table.fixed(latencies.percentile(0.90), 0));
    cells.add(Table.fixed(latencies.percentile(0.99), 0));
    cells.add(Table.fixed(finalUtilStdDev, 4));
    cells.add(Table.fixed(finalAverageUtil * 100, 2));
    cells.add(Table.fixed(finalFragmentation, 4));
    cells.add(full + "/" + partial + "/" + failed + "/" + total());
    cells.add(evictionRounds);
    cells.add(failedAttempts());
    return cells;
  }

  static final String[] COMMON_HEADER = {"Throughput", "Avg(ns)", "P50(ns)", "P90(ns)", "P99(ns)", "UtilStdDev",
      "AvgUtil%", "Frag", "Full/Partial/Fail/Total", "Evictions", "FailedAttempts"};

  static String[] header(String[] leading, String[] trailing) {
    String[] all = new String[leading.length + COMMON_HEADER.length + trailing.length];
    System.arraycopy(leading, 0, all, 0, leading.length);
    System.arraycopy(COMMON_HEADER, 0, all, leading.length, COMMON_HEADER.length);
    System.arraycopy(trailing, 0, all, leading.length + COMMON_HEADER.length, trailing.length);
    return all;
  }
}
