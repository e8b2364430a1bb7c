package io.kvcache.bench.alloc;

import io.kvcache.alloc.AllocationStrategies;
import io.kvcache.alloc.Placement;
import io.kvcache.alloc.Segment;
import java.util.Set;

/**
 * Why partial placements happen in size_class_churn: for each one, were there other segments (not holding a replica) with
 * enough free bytes for the object but no region large enough ("fragmented"), or not enough free bytes at all ("full")?
 * Summed over seeds, per strategy.
 *
 * <pre>./kvstore java io.kvcache.bench.alloc.PartialCauses [--pattern dsa_pair] [--segments 10] [--replicas 3]
 *   [--seed 42] [--seeds 5] [--num-allocations 10000] [--strategies ...]</pre>
 */
public final class PartialCauses {
  public static void main(String[] argv) {
    BenchArgs args = new BenchArgs(argv, Set.of(), Set.of("pattern", "segments", "replicas", "seed", "seeds",
        "num-allocations", "strategies"));
    SizeClasses pattern = SizeClasses.named(args.string("pattern", "dsa_pair"));
    int segments = (int) args.longValue("segments", 10);
    int replicas = (int) args.longValue("replicas", 3);
    long firstSeed = args.longValue("seed", 42);
    int seeds = (int) args.longValue("seeds", 5);
    int allocations = (int) args.longValue("num-allocations", 10_000);
    Table table = new Table("partial placements by cause: " + pattern.name() + ", " + segments + " segments, " + replicas
        + " replicas, seeds " + firstSeed + ".." + (firstSeed + seeds - 1), "Strategy", "Partial", "Fragmented",
        "Full", "Evictions", "PlacedGB", "PlacedGB/Eviction");
    for (String strategy : args.list("strategies", String.join(",", AllocationStrategies.NAMES))) {
      long partial = 0;
      long fragmented = 0;
      long evictions = 0;
      double placedBytes = 0;
      for (long seed = firstSeed; seed < firstSeed + seeds; seed++) {
        StrategyRun run = new StrategyRun(Cluster.create(segments, 1024 * Workloads.MiB, false), strategy, replicas,
            seed, allocations * 2);
        for (int i = 0; i < allocations; i++) {
          long size = pattern.next(run.random);
          int placed = run.allocateEvicting(size, 0.02, null);
          placedBytes += (double) placed * size;
          if (placed > 0 && placed < replicas) {
            partial++;
            fragmented += fragmentedOthers(run.registry.snapshot(), run.placement, size) >= replicas - placed ? 1 : 0;
          }
        }
        evictions += run.evictionRounds;
      }
      double placedGiB = placedBytes / (1L << 30);
      table.row(StrategyRun.displayName(strategy), partial, fragmented, partial - fragmented, evictions,
          Table.fixed(placedGiB, 1), Table.fixed(evictions == 0 ? 0 : placedGiB / evictions, 4));
    }
    table.print();
  }

  /** Segments without a replica of this object that had the free bytes for it but no region that could hold it. */
  private static int fragmentedOthers(Segment[] segments, Placement placed, long size) {
    int count = 0;
    for (Segment s : segments) {
      if (!placed.contains(s) && s.totalFreeSpace() >= s.roundedSize(size) && s.largestFreeRegion() < size) {
        count++;
      }
    }
    return count;
  }
}
