package io.kvcache.bench.alloc;

import io.kvcache.alloc.AllocationStrategies;
import java.util.List;
import java.util.Set;

/**
 * The strategy benchmark matrix (reference allocation_strategy_bench) for random, free_ratio_first and
 * fragmentation_aware: one table per workload. Defaults are the quick matrix; {@code --full} runs the reference's.
 *
 * <pre>./kvstore java io.kvcache.bench.alloc.StrategyBench [--full] [--workloads fillup,scaleout,size_class_churn,dsa]
 *   [--strategies ...] [--segments 1,10,100] [--replicas 1,3] [--sizes 524288,...] [--skew no|yes|both] [--seed 42]
 *   [--segment-capacity-mb 1024] [--num-allocations 10000] [--patterns kv_mixed,dsa_pair] [--evict-ratio 0.02]
 *   [--prefill-pct 0] [--dsa-segments 1,2,4,8,16] [--dsa-segment-capacity-mb 1048576] [--dsa-max-allocs 50000000]
 *   [--repeats 3] [--dsa-repeats 1]</pre>
 *
 * <p>Each case runs {@code --repeats} times (DSA: {@code --dsa-repeats}) and the run with the median average latency is
 * printed: outcomes are the same in every run of a seed, latency is not on a shared machine.
 */
public final class StrategyBench {
  private static final Set<String> KEYS = Set.of("workloads", "strategies", "segments", "replicas", "sizes", "skew",
      "seed", "segment-capacity-mb", "num-allocations", "patterns", "evict-ratio", "prefill-pct", "dsa-segments",
      "dsa-segment-capacity-mb", "dsa-max-allocs", "dsa-warmup-mult", "dsa-measure-mult", "paired", "repeats",
      "dsa-repeats");
  /** Column of Avg(ns) in every row: after the six leading columns and Throughput. */
  private static final int AVG_COLUMN = 7;

  private final BenchArgs args;
  private final boolean full;
  private final List<String> strategies;
  private final long seed;
  private final long segmentCapacity;

  private StrategyBench(BenchArgs args) {
    this.args = args;
    this.full = args.flag("full");
    this.strategies = args.list("strategies", String.join(",", AllocationStrategies.NAMES));
    this.seed = args.longValue("seed", 42);
    this.segmentCapacity = args.longValue("segment-capacity-mb", 1024) * Workloads.MiB;
  }

  public static void main(String[] argv) {
    StrategyBench bench = new StrategyBench(new BenchArgs(argv, Set.of("full", "no-warmup"), KEYS));
    List<String> workloads = bench.args.list("workloads", "fillup,scaleout,size_class_churn,dsa");
    System.out.println("StrategyBench: " + (bench.full ? "full" : "quick") + " matrix, seed " + bench.seed + ", strategies "
        + bench.strategies + ", JDK " + Runtime.version());
    if (!bench.args.flag("no-warmup")) {
      bench.warmUp();
    }
    for (String workload : workloads) {
      switch (workload) {
        case "fillup" -> bench.fillup();
        case "scaleout" -> bench.scaleOut();
        case "size_class_churn" -> bench.churn();
        case "dsa" -> bench.dsa();
        default -> throw new IllegalArgumentException(
            "unknown workload '" + workload + "'; valid: fillup, scaleout, size_class_churn, dsa");
      }
    }
  }

  /** JIT warm-up: every strategy through the fill-up and churn loops until compiled; results discarded. */
  private void warmUp() {
    for (int round = 0; round < 2; round++) {
      for (String strategy : strategies) {
        for (int replicas = 1; replicas <= 3; replicas += 2) {
          Workloads.fillup(new CaseConfig(strategy, 100, 256 * Workloads.MiB, false, replicas, seed), 512 * 1024, 20_000);
          Workloads.churn(new CaseConfig(strategy, 10, 256 * Workloads.MiB, false, replicas, seed),
              SizeClasses.named("kv_mixed"), 10_000, 0.02, 0);
        }
      }
    }
  }

  private List<Boolean> skews() {
    return args.skews(full ? "both" : "no");
  }

  /** One sized case of the fill-up/scale-out matrix. */
  private interface SizedCase {
    Object[] run(CaseConfig config, long size);
  }

  /** skew × strategy × segments × size × replicas (replicas &lt;= segments), one table row each. */
  private void sizedMatrix(Table table, String segmentsDefault, String sizesDefault, SizedCase workload) {
    for (boolean skewed : skews()) {
      for (String strategy : strategies) {
        for (long segments : args.longs("segments", segmentsDefault)) {
          for (long size : args.longs("sizes", sizesDefault)) {
            for (long replicas : args.longs("replicas", full ? "1,2,3" : "1,3")) {
              if (replicas <= segments) {
                CaseConfig config = config(strategy, segments, segmentCapacity, skewed, replicas);
                table.row(medianRow(repeats(), () -> workload.run(config, size)));
              }
            }
          }
        }
      }
    }
    table.print();
  }

  private void fillup() {
    int allocations = (int) args.longValue("num-allocations", 10_000);
    Table table = new Table("fillup (allocate only, " + allocations + " allocations, " + segmentCapacity / Workloads.MiB
        + " MB segments)", StrategyRun.header(CaseConfig.leadingHeader("AllocSize"), new String[0]));
    sizedMatrix(table, full ? "1,10,100,512,1024" : "1,10,100,1024", full ? "524288,8388608,33554432" : "524288,33554432",
        (config, size) -> Workloads.fillup(config, size, allocations));
  }

  private void scaleOut() {
    Table table = new Table("scaleout (prefill 50 %, add segments/2 empty segments, allocate 30 % of the new capacity)",
        StrategyRun.header(CaseConfig.leadingHeader("AllocSize"), new String[] {"ConvUtil%", "Converge@"}));
    sizedMatrix(table, full ? "1,10,100,512,1024" : "10,100", full ? "524288,8388608,33554432" : "8388608",
        (config, size) -> Workloads.scaleOut(config, size, 50, 30, 0.1));
  }

  private void churn() {
    int allocations = (int) args.longValue("num-allocations", 10_000);
    double evictRatio = args.doubleValue("evict-ratio", 0.02);
    int prefillPct = (int) args.longValue("prefill-pct", 0);
    for (String patternName : args.list("patterns", "kv_mixed,dsa_pair")) {
      SizeClasses pattern = SizeClasses.named(patternName);
      Table table = new Table("size_class_churn " + patternName + " (" + allocations + " allocations, evict "
          + evictRatio * 100 + " % on failure, prefill " + prefillPct + " %)", StrategyRun.header(
          CaseConfig.leadingHeader("Pattern"), new String[] {"Frag_avg", "Frag_p50", "Frag_p90", "Frag_p99",
              "LargestFreeMB"}));
      for (boolean skewed : skews()) {
        for (long segments : args.longs("segments", "1,10,100")) {
          for (long replicas : args.longs("replicas", full ? "1,2,3" : "1,3")) {
            for (String strategy : strategies) {
              CaseConfig config = config(strategy, segments, segmentCapacity, skewed, replicas);
              table.row(medianRow(repeats(), () -> Workloads.churn(config, pattern, allocations, evictRatio, prefillPct)));
            }
          }
        }
      }
      table.print();
    }
  }

  private void dsa() {
    long capacity = args.longValue("dsa-segment-capacity-mb", full ? 1024 * 1024 : 64 * 1024) * Workloads.MiB;
    Table table = new Table("dsa (" + capacity / Workloads.MiB / 1024 + " GB segments; KV pages, or KV + indexer pairs; 5 % "
        + "eviction on failure; UtilRatio_* sampled at eviction triggers, p99/p90 = 1st/10th percentile)",
        StrategyRun.header(CaseConfig.leadingHeader("AllocSize"), new String[] {"UtilRatio_min", "UtilRatio_p99",
            "UtilRatio_p90", "UtilRatio_p50", "UtilRatio_max", "UtilRatio_avg"}));
    for (String paired : args.list("paired", "no,yes")) {
      for (boolean skewed : skews()) {
        for (String strategy : strategies) {
          for (long segments : args.longs("dsa-segments", full ? "1,2,4,8,16" : "1,4,16")) {
            for (long replicas : args.longs("replicas", full ? "1,2,3" : "1,3")) {
              if (replicas <= segments) {
                CaseConfig config = config(strategy, segments, capacity, skewed, replicas);
                table.row(medianRow((int) args.longValue("dsa-repeats", 1), () -> Workloads.dsa(config,
                    paired.equals("yes"), args.doubleValue("dsa-warmup-mult", 1), args.doubleValue("dsa-measure-mult", 3),
                    args.longValue("dsa-max-allocs", 50_000_000), 0.05)));
              }
            }
          }
        }
      }
    }
    table.print();
  }

  /** Runs a case {@code repeats} times; returns the row with the median average latency. */
  private static Object[] medianRow(int repeats, java.util.function.Supplier<Object[]> runCase) {
    Object[][] rows = new Object[repeats][];
    for (int i = 0; i < repeats; i++) {
      rows[i] = runCase.get();
    }
    java.util.Arrays.sort(rows, java.util.Comparator.comparingDouble(row -> Double.parseDouble((String) row[AVG_COLUMN])));
    return rows[repeats / 2];
  }

  private int repeats() {
    return (int) args.longValue("repeats", 3);
  }

  private CaseConfig config(String strategy, long segments, long capacity, boolean skewed, long replicas) {
    return new CaseConfig(strategy, (int) segments, capacity, skewed, (int) replicas, seed);
  }
}
