package io.kvcache.bench.alloc;

import io.kvcache.alloc.AllocationStrategies;
import java.util.List;
import java.util.Set;

/**
 * size_class_churn repeated over consecutive seeds, outcomes summed per strategy: partial placements are rare events
 * (single digits per 10,000 on kv_mixed), so one seed cannot tell strategies apart. One table row per case and strategy.
 *
 * <pre>./kvstore java io.kvcache.bench.alloc.ChurnSeedSweep [--seed 42] [--seeds 10] [--patterns kv_mixed,dsa_pair]
 *   [--segments 10,20] [--replicas 1,3] [--skew both] [--num-allocations 10000] [--strategies ...]</pre>
 */
public final class ChurnSeedSweep {
  public static void main(String[] argv) {
    BenchArgs args = new BenchArgs(argv, Set.of(), Set.of("seed", "seeds", "patterns", "segments", "replicas", "skew",
        "num-allocations", "strategies", "segment-capacity-mb", "evict-ratio"));
    long firstSeed = args.longValue("seed", 42);
    int seeds = (int) args.longValue("seeds", 10);
    int allocations = (int) args.longValue("num-allocations", 10_000);
    long capacity = args.longValue("segment-capacity-mb", 1024) * Workloads.MiB;
    double evictRatio = args.doubleValue("evict-ratio", 0.02);
    List<String> strategies = args.list("strategies", String.join(",", AllocationStrategies.NAMES));
    List<Boolean> skews = args.skews("both");
    System.out.println("ChurnSeedSweep: seeds " + firstSeed + ".." + (firstSeed + seeds - 1) + ", " + allocations
        + " allocations per run, JDK " + Runtime.version());
    for (String strategy : strategies) { // JIT warm-up, discarded
      Workloads.runChurn(new CaseConfig(strategy, 10, capacity, false, 3, firstSeed), SizeClasses.named("dsa_pair"),
          allocations, evictRatio, 0);
    }
    Table table = new Table("size_class_churn summed over " + seeds + " seeds (" + allocations + " allocations each)",
        "Pattern", "Segments", "Replica", "Skewed", "Strategy", "Partial", "Fail", "Evictions", "FailedAttempts",
        "AvgUtil%", "Avg(ns)");
    for (String patternName : args.list("patterns", "kv_mixed,dsa_pair")) {
      SizeClasses pattern = SizeClasses.named(patternName);
      for (long segments : args.longs("segments", "10,20")) {
        for (long replicas : args.longs("replicas", "1,3")) {
          for (boolean skewed : skews) {
            for (String strategy : strategies) {
              long partial = 0;
              long failed = 0;
              long evictions = 0;
              long failedAttempts = 0;
              double util = 0;
              double latency = 0;
              for (long seed = firstSeed; seed < firstSeed + seeds; seed++) {
                StrategyRun run = Workloads.runChurn(
                    new CaseConfig(strategy, (int) segments, capacity, skewed, (int) replicas, seed), pattern, allocations,
                    evictRatio, 0).run();
                partial += run.partial;
                failed += run.failed;
                evictions += run.evictionRounds;
                failedAttempts += run.failedAttempts();
                util += run.finalAverageUtil;
                latency += run.latencies.mean();
              }
              table.row(patternName, segments, replicas, skewed ? "yes" : "no", StrategyRun.displayName(strategy), partial,
                  failed, evictions, failedAttempts, Table.fixed(util / seeds * 100, 2), Table.fixed(latency / seeds, 0));
            }
          }
        }
      }
    }
    table.print();
  }
}
