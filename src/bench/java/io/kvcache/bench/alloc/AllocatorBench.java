package io.kvcache.bench.alloc;

import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The reference's allocator_bench on the Java OffsetAllocator: uniform sizes 32·4^k (&lt; 64 MiB) and their −17, +17,
 * ×0.9, ×1.1 variants in a 2 GiB pool (128 MiB below 1 KiB), filled then driven for N allocations that each evict one
 * random live object on failure; random sizes U[1 KiB, 64 MiB] in 2 GiB; paired DSA objects (3,274,752 B KV + 658,432 B
 * indexer) in 1 TiB with 5 % eviction. ns/op covers what the C++ loop covers (allocate, evictions, retries, bookkeeping)
 * and is reported for the bare allocator and for a Segment (allocator behind its lock plus the published snapshot), as
 * the median of {@code --repeats} runs (the machine is shared; utilisation is the same in every run of a seed).
 *
 * <pre>./kvstore java io.kvcache.bench.alloc.AllocatorBench [--quick] [--ops N] [--seed S] [--repeats R]
 *     [--workloads uniform,random,paired]</pre>
 */
public final class AllocatorBench {
  private static final long KiB = 1024;
  private static final long MiB = 1024 * KiB;
  private static final long GiB = 1024 * MiB;
  private static final long KV_PAGE = 3_274_752;
  private static final long INDEXER = 658_432;

  private final int ops;
  private final long seed;
  private final boolean quick;
  private final int repeats;

  private AllocatorBench(int ops, long seed, boolean quick, int repeats) {
    this.ops = ops;
    this.seed = seed;
    this.quick = quick;
    this.repeats = repeats;
  }

  public static void main(String[] args) {
    BenchArgs options = new BenchArgs(args, Set.of("quick"), Set.of("ops", "seed", "workloads", "repeats"));
    boolean quick = options.flag("quick");
    AllocatorBench bench = new AllocatorBench((int) options.longValue("ops", quick ? 300_000 : 1_000_000),
        options.longValue("seed", 42), quick, (int) options.longValue("repeats", 3));
    List<String> workloads = options.list("workloads", "uniform,random,paired");
    System.out.println("AllocatorBench: ops=" + bench.ops + " seed=" + bench.seed + " repeats=" + bench.repeats
        + (quick ? " (quick)" : "") + ", JDK " + Runtime.version());
    bench.warmUp();
    if (workloads.contains("uniform")) {
      bench.uniform();
    }
    if (workloads.contains("random")) {
      bench.random();
    }
    if (workloads.contains("paired")) {
      bench.paired();
    }
  }

  /** JIT warm-up: both variants through the same loops until C2 has compiled them; results discarded. */
  private void warmUp() {
    for (int round = 0; round < 3; round++) {
      for (boolean segment : new boolean[] {false, true}) {
        uniformCase(segment, 128 * KiB + 17, 200_000);
        randomCase(segment, 200_000, new Samples(200_000));
      }
    }
  }

  private void uniform() {
    Table table = new Table("OffsetAllocator, uniform sizes (fill, then allocate evicting one random object on failure)",
        "Variant", "AllocSize", "Pool", "MinUtil", "AvgUtil", "ns/op allocator", "ns/op Segment");
    String[] variants = {"2^n", "-17", "+17", "x0.9", "x1.1"};
    for (String variant : variants) {
      for (long base = 32; base < 64 * MiB; base *= 4) {
        if (quick && base < 128 * KiB) {
          continue;
        }
        long size = switch (variant) {
          case "-17" -> base - 17;
          case "+17" -> base + 17;
          case "x0.9" -> (long) (base * 0.9);
          case "x1.1" -> (long) (base * 1.1);
          default -> base;
        };
        double[] allocator = medianOf(() -> uniformCase(false, size, ops));
        double[] segment = medianOf(() -> uniformCase(true, size, ops));
        table.row(variant, size, size < KiB ? "128MB" : "2GB", Table.fixed(allocator[0], 6), Table.fixed(allocator[1], 6),
            Table.fixed(allocator[2], 1), Table.fixed(segment[2], 1));
      }
    }
    table.print();
  }

  /** Runs a case {@code repeats} times; returns the run with the median ns/op (the last element). */
  private double[] medianOf(java.util.function.Supplier<double[]> runCase) {
    double[][] runs = new double[repeats][];
    for (int i = 0; i < repeats; i++) {
      runs[i] = runCase.get();
    }
    java.util.Arrays.sort(runs, java.util.Comparator.comparingDouble(run -> run[run.length - 1]));
    return runs[repeats / 2];
  }

  /** {min util, avg util, ns/op}. */
  private double[] uniformCase(boolean segment, long size, int operations) {
    long pool = size < KiB ? 128 * MiB : 2 * GiB;
    int maxNodes = (int) (pool / size + 10);
    System.gc(); // the previous case's arrays are garbage now; collect them outside the timed loop
    EvictingPool helper = EvictingPool.create(segment, pool, maxNodes, seed);
    for (long i = pool / size; i > 0; i--) {
      helper.allocate(size, 0, null);
    }
    double minUtil = 1;
    double utilSum = 0;
    long start = System.nanoTime();
    for (int i = 0; i < operations; i++) {
      helper.allocate(size, 0, null);
      double util = helper.utilisation();
      minUtil = Math.min(minUtil, util);
      utilSum += util;
    }
    long elapsed = System.nanoTime() - start;
    return new double[] {minUtil, utilSum / operations, (double) elapsed / operations};
  }

  private void random() {
    Table table = new Table("OffsetAllocator, random sizes U[1 KiB, 64 MiB] in 2 GiB (p99/p90 = 1st/10th percentile, as "
        + "the reference)", "Variant", "UtilMin", "UtilP99", "UtilP90", "UtilP50", "UtilMax", "UtilAvg", "ns/op");
    for (boolean segment : new boolean[] {false, true}) {
      Samples util = new Samples(ops);
      double nsPerOp = medianOf(() -> new double[] {randomCase(segment, ops, util.count() == 0 ? util : null)})[0];
      table.row(cells(segment ? "Segment" : "allocator", util.utilisationCells(), Table.fixed(nsPerOp, 1)));
    }
    table.print();
  }

  /** ns/op; {@code util} (nullable) receives the utilisation after every operation. */
  private double randomCase(boolean segment, int operations, Samples util) {
    long pool = 2 * GiB;
    System.gc();
    EvictingPool helper = EvictingPool.create(segment, pool, (int) (pool / KiB + 10), seed);
    SplittableRandom sizes = new SplittableRandom(seed + 1);
    for (long warm = 0; warm < pool; ) {
      long size = sizes.nextLong(KiB, 64 * MiB + 1);
      helper.allocate(size, 0, null);
      warm += size;
    }
    long start = System.nanoTime();
    for (int i = 0; i < operations; i++) {
      helper.allocate(sizes.nextLong(KiB, 64 * MiB + 1), 0, null);
      if (util != null) {
        util.add(helper.utilisation());
      }
    }
    return (double) (System.nanoTime() - start) / operations;
  }

  private void paired() {
    Table table = new Table("OffsetAllocator, paired DSA objects in 1 TiB (rounds of N in U[1,128] KV pages then N indexer "
        + "entries, 5 % eviction on failure; util sampled at each eviction)",
        "Variant", "UtilMin", "UtilP99", "UtilP90", "UtilP50", "UtilMax", "UtilAvg", "Samples", "ns/op");
    int rounds = quick ? 10_000 : 50_000;
    for (boolean segment : new boolean[] {false, true}) {
      Samples util = new Samples(rounds);
      double nsPerOp = medianOf(() -> new double[] {pairedCase(segment, rounds, util.count() == 0 ? util : null)})[0];
      table.row(cells(segment ? "Segment" : "allocator", util.utilisationCells(), util.count(), Table.fixed(nsPerOp, 1)));
    }
    table.print();
  }

  /** {@code first}, then {@code middle}'s cells, then {@code rest}: one table row. */
  private static Object[] cells(Object first, String[] middle, Object... rest) {
    Object[] row = new Object[1 + middle.length + rest.length];
    row[0] = first;
    System.arraycopy(middle, 0, row, 1, middle.length);
    System.arraycopy(rest, 0, row, 1 + middle.length, rest.length);
    return row;
  }

  /** 5,000 warm-up rounds, then {@code rounds} measured; ns/op. {@code util} (nullable) gets eviction-time samples. */
  private double pairedCase(boolean segment, int rounds, Samples util) {
    long pool = 1024 * GiB;
    System.gc();
    EvictingPool helper = EvictingPool.create(segment, pool, (int) (pool / INDEXER + 1024), seed);
    SplittableRandom random = new SplittableRandom(seed + 2);
    pairedRounds(helper, random, 5_000, null);
    long start = System.nanoTime();
    long allocations = pairedRounds(helper, random, rounds, util);
    return (double) (System.nanoTime() - start) / allocations;
  }

  private static long pairedRounds(EvictingPool helper, SplittableRandom random, int rounds, Samples util) {
    long allocations = 0;
    for (int round = 0; round < rounds; round++) {
      int perRound = 1 + random.nextInt(128);
      for (int i = 0; i < perRound; i++) {
        helper.allocate(KV_PAGE, 0.05, util);
      }
      for (int i = 0; i < perRound; i++) {
        helper.allocate(INDEXER, 0.05, util);
      }
      allocations += 2L * perRound;
    }
    return allocations;
  }
}
