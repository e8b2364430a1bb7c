package io.kvcache.bench.alloc;

import io.kvcache.alloc.Segment;
import io.kvcache.alloc.SegmentRegistry;
import java.util.Arrays;
import java.util.List;

/**
 * The workloads of the reference's allocation_strategy_bench (§5), each returning one table row: fill-up, scale-out,
 * size-class churn and DSA. Latency is one strategy call (churn and DSA: including eviction and retries, as the
 * reference); sampling inside the measured window is excluded from throughput.
 */
final class Workloads {
  static final long KiB = 1024;
  static final long MiB = 1024 * KiB;
  static final long KV_PAGE = 3_274_752;
  static final long INDEXER = 658_432;
  private static final int MAX_CONSECUTIVE_FAILURES = 10;
  private static final int SAMPLE_INTERVAL = 100;

  private Workloads() {}

  /** Allocate-only: {@code allocations} objects of {@code size}, stop after 10 consecutive failures. */
  static Object[] fillup(CaseConfig c, long size, int allocations) {
    SegmentRegistry registry = Cluster.create(c.segments(), c.segmentCapacity(), c.skewed());
    StrategyRun run = new StrategyRun(registry, c.strategy(), c.replicas(), c.seed(), allocations);
    run.startMeasuring();
    int consecutiveFailures = 0;
    for (int i = 0; i < allocations && consecutiveFailures < MAX_CONSECUTIVE_FAILURES; i++) {
      long start = System.nanoTime();
      int placed = run.allocateOnce(size);
      run.record(System.nanoTime() - start, placed);
      consecutiveFailures = placed > 0 ? 0 : consecutiveFailures + 1;
    }
    run.stopMeasuring();
    return row(c.leadingCells(Table.size(size), registry.capacityBytes()), run.commonColumns(), List.of());
  }

  /**
   * Prefill to {@code triggerPct} % with blocks of max(size, 8 MiB), add segments/2 empty segments, then allocate 30 % of
   * the expanded capacity; Converge@ is where the last window with utilisation stddev &lt; 0.1 began.
   */
  static Object[] scaleOut(CaseConfig c, long size, int triggerPct, int allocPctAfter, double threshold) {
    SegmentRegistry registry = Cluster.create(c.segments(), c.segmentCapacity(), c.skewed());
    StrategyRun run = new StrategyRun(registry, c.strategy(), c.replicas(), c.seed(), 1 << 16);
    long prefillBlock = Math.max(size, registry.capacityBytes() > 500L * 1024 * MiB ? 32 * MiB : 8 * MiB);
    prefill(run, prefillBlock, triggerPct, SAMPLE_INTERVAL);
    int added = Math.max(1, c.segments() / 2);
    Cluster.inject(registry, added, c.segmentCapacity(), c.segments());
    int measured = (int) Math.clamp(Math.round(registry.capacityBytes() * allocPctAfter / 100.0
        / ((double) size * c.replicas())), 100, 200_000);
    int interval = measured < SAMPLE_INTERVAL * 10 ? Math.max(1, measured / 10) : SAMPLE_INTERVAL;
    int convergedAt = -1;
    double convergedUtil = 0;
    int consecutiveFailures = 0;
    run.startMeasuring();
    for (int i = 0; i < measured && consecutiveFailures < MAX_CONSECUTIVE_FAILURES; i++) {
      long start = System.nanoTime();
      int placed = run.allocateOnce(size);
      run.record(System.nanoTime() - start, placed);
      consecutiveFailures = placed > 0 ? 0 : consecutiveFailures + 1;
      if ((i + 1) % interval == 0 || i == measured - 1) {
        long sampleStart = System.nanoTime();
        Segment[] segments = registry.snapshot();
        double util = Cluster.averageUtil(segments);
        if (util >= 0.01 && Cluster.utilStdDev(segments) < threshold) {
          if (convergedAt < 0) {
            convergedAt = i + 1;
            convergedUtil = util;
          }
        } else if (util >= 0.01) {
          convergedAt = -1; // left the converged band: only the last stable window counts
        }
        run.addInstrumentation(System.nanoTime() - sampleStart);
      }
    }
    run.stopMeasuring();
    List<Object> extra = convergedAt > 0 ? List.of(Table.fixed(convergedUtil * 100, 2), convergedAt) : List.of("N/A", "N/A");
    return row(c.leadingCells(Table.size(size), registry.capacityBytes()), run.commonColumns(), extra);
  }

  /** Allocates blocks until average utilisation reaches {@code pct} % (checked every {@code interval}) or 10 failures. */
  private static void prefill(StrategyRun run, long block, int pct, int interval) {
    int consecutiveFailures = 0;
    for (int i = 0; consecutiveFailures < MAX_CONSECUTIVE_FAILURES; i++) {
      if (i % interval == 0 && Cluster.averageUtil(run.registry.snapshot()) * 100 >= pct) {
        return;
      }
      consecutiveFailures = run.allocateOnce(block) > 0 ? 0 : consecutiveFailures + 1;
    }
  }

  /** size_class_churn: weighted size classes, evict {@code evictRatio} of the objects on failure and retry. */
  static Object[] churn(CaseConfig c, SizeClasses pattern, int allocations, double evictRatio, int prefillPct) {
    Churned churned = runChurn(c, pattern, allocations, evictRatio, prefillPct);
    Samples fragmentation = churned.fragmentation();
    List<Object> extra = List.of(Table.fixed(fragmentation.mean(), 4), Table.fixed(fragmentation.percentile(0.5), 4),
        Table.fixed(fragmentation.percentile(0.9), 4), Table.fixed(fragmentation.percentile(0.99), 4),
        Table.fixed((double) churned.largestFreeBytes() / MiB, 1));
    return row(c.leadingCells(pattern.name(), churned.run().registry.capacityBytes()), churned.run().commonColumns(),
        extra);
  }

  /** A finished churn case: its run, the fragmentation sampled every 100 allocations and the final largest free region. */
  record Churned(StrategyRun run, Samples fragmentation, long largestFreeBytes) {}

  static Churned runChurn(CaseConfig c, SizeClasses pattern, int allocations, double evictRatio, int prefillPct) {
    SegmentRegistry registry = Cluster.create(c.segments(), c.segmentCapacity(), c.skewed());
    StrategyRun run = new StrategyRun(registry, c.strategy(), c.replicas(), c.seed(), allocations * 2);
    if (prefillPct > 0) {
      long maxAttempts = Math.max(5000, (long) Math.ceil(registry.capacityBytes() * prefillPct / 100.0
          / (pattern.meanSize() * c.replicas()) * 2));
      int consecutiveFailures = 0;
      for (long i = 0; i < maxAttempts && consecutiveFailures < MAX_CONSECUTIVE_FAILURES; i++) {
        if (i % SAMPLE_INTERVAL == 0 && Cluster.averageUtil(registry.snapshot()) * 100 >= prefillPct) {
          break;
        }
        consecutiveFailures = run.allocateEvicting(pattern.next(run.random), evictRatio, null) > 0 ? 0
            : consecutiveFailures + 1;
      }
    }
    Samples fragmentation = new Samples(allocations / SAMPLE_INTERVAL + 2);
    run.startMeasuring();
    for (int i = 0; i < allocations; i++) {
      long size = pattern.next(run.random);
      long start = System.nanoTime();
      int placed = run.allocateEvicting(size, evictRatio, null);
      run.record(System.nanoTime() - start, placed);
      if ((i + 1) % SAMPLE_INTERVAL == 0 || i == allocations - 1) {
        long sampleStart = System.nanoTime();
        fragmentation.add(Cluster.fragmentation(registry.snapshot()));
        run.addInstrumentation(System.nanoTime() - sampleStart);
      }
    }
    run.stopMeasuring();
    return new Churned(run, fragmentation, Cluster.largestFree(registry.snapshot()));
  }

  /**
   * DSA: rounds of N in U[1,128] KV pages (then N indexer entries when paired); 5 % eviction on failure; warm-up of
   * {@code warmupMultiplier} × capacity, then {@code measureMultiplier} × capacity measured; utilisation sampled at each
   * eviction trigger.
   */
  static Object[] dsa(CaseConfig c, boolean paired, double warmupMultiplier, double measureMultiplier, long maxAllocs,
      double evictRatio) {
    SegmentRegistry registry = Cluster.create(c.segments(), c.segmentCapacity(), c.skewed());
    double bytesPerAlloc = (paired ? (KV_PAGE + INDEXER) / 2.0 : KV_PAGE) * c.replicas();
    double multiplier = warmupMultiplier + measureMultiplier;
    long total = Math.clamp((long) (multiplier * registry.capacityBytes() / bytesPerAlloc), 100, maxAllocs);
    long warmup = multiplier > 0 ? (long) (total * (warmupMultiplier / multiplier)) : 0;
    long measured = total - warmup;
    StrategyRun run = new StrategyRun(registry, c.strategy(), c.replicas(), c.seed(),
        (int) Math.min(1 << 22, registry.capacityBytes() / INDEXER + 1024));
    dsaRounds(run, paired, warmup, evictRatio, null, false);
    Samples utilAtEviction = new Samples(1024);
    run.startMeasuring();
    dsaRounds(run, paired, measured, evictRatio, utilAtEviction, true);
    run.stopMeasuring();
    String detail = Table.size(KV_PAGE) + (paired ? "+" + Table.size(INDEXER) : "");
    List<Object> extra = List.of((Object[]) utilAtEviction.utilisationCells());
    return row(c.leadingCells(detail, registry.capacityBytes()), run.commonColumns(), extra);
  }

  private static void dsaRounds(StrategyRun run, boolean paired, long allocations, double evictRatio, Samples util,
      boolean measure) {
    long done = 0;
    while (done < allocations) {
      int batch = 1 + run.random.nextInt(128);
      for (int pass = 0; pass < (paired ? 2 : 1); pass++) {
        long size = pass == 0 ? KV_PAGE : INDEXER;
        for (int i = 0; i < batch && done < allocations; i++, done++) {
          long start = System.nanoTime();
          int placed = run.allocateEvicting(size, evictRatio, util);
          if (measure) {
            run.record(System.nanoTime() - start, placed);
          }
        }
      }
    }
  }

  private static Object[] row(Object[] leading, List<Object> common, List<Object> extra) {
    Object[] cells = Arrays.copyOf(leading, leading.length + common.size() + extra.size());
    for (int i = 0; i < common.size(); i++) {
      cells[leading.length + i] = common.get(i);
    }
    for (int i = 0; i < extra.size(); i++) {
      cells[leading.length + common.size() + i] = extra.get(i);
    }
    return cells;
  }
}
