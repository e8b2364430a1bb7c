package io.kvcache.replica;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * One eviction round over all the shards of a master, with the reference's algorithm (§3) and numbers:
 * target = max(r, used − hw + r), lowerbound = max(target/2, used − hw); phase 1 evicts min(ceil(base × target),
 * candidates) of the oldest lease-expired, unpinned, non-soft-pinned objects (groups whole); parked buffers whose release
 * time passed are freed; phase 2 tops up to ceil(base × lowerbound) from the remaining candidates, then — only if allowed —
 * from soft-pinned objects, oldest first. Units are objects, not bytes.
 *
 * <p>Each shard step runs wherever {@link ShardCalls} puts it (on the shard's event loop in the store, inline in tests);
 * the round itself holds no shard state between steps, so shards keep serving requests in between.
 */
public final class EvictionRound {
  /** Runs a function on every shard (on that shard's thread) and gives the results in shard order. */
  public interface ShardCalls {
    <T> CompletableFuture<List<T>> onEach(Function<ReplicaShard, T> step);
  }

  /** What a round did. */
  public record Outcome(long base, long evicted, long evictedBytes, long released) {
    public boolean freedSomething() {
      return evicted > 0 || released > 0;
    }
  }

  private final ShardCalls shards;
  private final boolean allowSoftPinned;

  public EvictionRound(ShardCalls shards, boolean allowSoftPinned) {
    this.shards = shards;
    this.allowSoftPinned = allowSoftPinned;
  }

  /** target and lowerbound as in the reference; a lowerbound above target is lowered to target. */
  public static double[] targets(double usedRatio, double highWatermark, double evictionRatio) {
    double target = Math.max(evictionRatio, usedRatio - highWatermark + evictionRatio);
    double lowerbound = Math.max(target * 0.5, usedRatio - highWatermark);
    return new double[] {target, Math.min(lowerbound, target)};
  }

  public CompletableFuture<Outcome> run(double target, double lowerbound) {
    return shards.onEach(ReplicaShard::beginEvictionRound)
        .thenCompose(started -> shards.onEach(s -> s.census(0, allowSoftPinned))).thenCompose(counts -> {
      long base = EvictionPlanner.total(counts, ShardCensus::base);
      if (base == 0) {
        return shards.onEach(ReplicaShard::releaseParked)
            .thenApply(released -> new Outcome(0, 0, 0, sum(released)));
      }
      long candidates = EvictionPlanner.total(counts, ShardCensus::candidates) + EvictionPlanner.groupMembers(counts);
      long evictNum = Math.min((long) Math.ceil(base * target), candidates);
      long floor = (long) Math.ceil(base * lowerbound);
      return phase(evictNum, false).thenCompose(first ->
          shards.onEach(ReplicaShard::releaseParked).thenCompose(releasedList -> {
            long released = sum(releasedList);
            long missing = floor - first[0] - released;
            if (missing <= 0) {
              return CompletableFuture.completedFuture(new Outcome(base, first[0], first[1], released));
            }
            return phase(missing, false).thenCompose(second -> {
              long stillMissing = missing - second[0];
              CompletableFuture<long[]> third = stillMissing > 0 && allowSoftPinned
                  ? phase(stillMissing, true) : CompletableFuture.completedFuture(new long[2]);
              return third.thenApply(soft -> new Outcome(base, first[0] + second[0] + soft[0],
                  first[1] + second[1] + soft[1], released));
            });
          }));
    });
  }

  /** Census limited to {@code count}, global plan, eviction; returns {objects, bytes}. */
  private CompletableFuture<long[]> phase(long count, boolean softPinned) {
    if (count <= 0) {
      return CompletableFuture.completedFuture(new long[2]);
    }
    int limit = (int) Math.min(Integer.MAX_VALUE - 8, count);
    return shards.onEach(s -> s.census(limit, allowSoftPinned)).thenCompose(census -> {
      EvictionPlanner.Plan plan = EvictionPlanner.plan(census, count, softPinned);
      if (plan.planned() == 0) {
        return CompletableFuture.completedFuture(new long[2]);
      }
      int[] quota = plan.quota();
      Set<Groups.Group> groups = plan.groups();
      return shards.onEach(s -> s.evict(quota[s.index()], softPinned, groups, allowSoftPinned)).thenApply(results -> {
        long[] total = new long[2];
        for (ShardEviction.EvictionResult r : results) {
          total[0] += r.objects();
          total[1] += r.bytes();
        }
        return total;
      });
    });
  }

  private static long sum(List<Integer> values) {
    return values.stream().mapToLong(Integer::longValue).sum();
  }
}
