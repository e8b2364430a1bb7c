package io.kvcache.replica;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One eviction round over all the shards of a master, with the reference's algorithm (§3) and numbers:
 * target = max(r, used − hw + r), lowerbound = max(target/2, used − hw); phase 1 evicts min(ceil(base × target),
 * candidates) of the oldest lease-expired, unpinned, non-soft-pinned objects (groups whole); parked buffers whose release
 * time passed are freed; phase 2 tops up to ceil(base × lowerbound) from the remaining candidates, then — only if allowed —
 * from soft-pinned objects, oldest first. Units are objects, not bytes.
 *
 * <p>Plain synchronous code that reaches the shards through {@link ShardAccess}, a slice at a time ({@link ShardScan}),
 * so the shards keep serving between steps. It scans every object: run it off the event loop.
 */
public final class EvictionRound {
  /** Objects a step evicts at most (each eviction frees memory and may erase the object). */
  static final int EVICT_STEP = 1024;

  /** What a round did. */
  public record Outcome(long base, long evicted, long evictedBytes, long released) {
    public boolean freedSomething() {
      return evicted > 0 || released > 0;
    }
  }

  private final ShardAccess shards;
  private final boolean allowSoftPinned;
  private final MillisClock clock;

  public EvictionRound(ShardAccess shards, boolean allowSoftPinned, MillisClock clock) {
    this.shards = shards;
    this.allowSoftPinned = allowSoftPinned;
    this.clock = clock;
  }

  /** target and lowerbound as in the reference; a lowerbound above target is lowered to target. */
  public static double[] targets(double usedRatio, double highWatermark, double evictionRatio) {
    double target = Math.max(evictionRatio, usedRatio - highWatermark + evictionRatio);
    double lowerbound = Math.max(target * 0.5, usedRatio - highWatermark);
    return new double[] {target, Math.min(lowerbound, target)};
  }

  public Outcome run(double target, double lowerbound) {
    for (int s = 0; s < shards.count(); s++) {
      shards.call(s, shard -> {
        shard.eviction().beginRound();
        return null;
      });
    }
    List<ShardCensus> counts = census(0);
    long base = EvictionPlanner.total(counts, ShardCensus::base);
    if (base == 0) {
      return new Outcome(0, 0, 0, releaseParked());
    }
    long candidates = EvictionPlanner.total(counts, ShardCensus::candidates) + EvictionPlanner.groupMembers(counts);
    long evictNum = Math.min((long) Math.ceil(base * target), candidates);
    long floor = (long) Math.ceil(base * lowerbound);
    long[] first = phase(evictNum, false);
    long released = releaseParked();
    long missing = floor - first[0] - released;
    if (missing <= 0) {
      return new Outcome(base, first[0], first[1], released);
    }
    long[] second = phase(missing, false);
    long stillMissing = missing - second[0];
    long[] soft = stillMissing > 0 && allowSoftPinned ? phase(stillMissing, true) : new long[2];
    return new Outcome(base, first[0] + second[0] + soft[0], first[1] + second[1] + soft[1], released);
  }

  private long releaseParked() {
    long released = 0;
    for (int s = 0; s < shards.count(); s++) {
      released += shards.call(s, shard -> shard.housekeeping().releaseParked());
    }
    return released;
  }

  /** Each shard's census, keeping its {@code limit} oldest candidates. */
  private List<ShardCensus> census(int limit) {
    long now = clock.nowMs();
    List<ShardCensus> all = new ArrayList<>();
    for (int s = 0; s < shards.count(); s++) {
      EvictionOps.Census census = new EvictionOps.Census(limit, allowSoftPinned);
      ShardScan.walk(shards, s, (shard, from, homes) -> shard.eviction().census(from, homes, now, census),
          census::reset);
      all.add(census.build());
    }
    return all;
  }

  /** Census limited to {@code count}, global plan, eviction; returns {objects, bytes}. */
  private long[] phase(long count, boolean softPinned) {
    long[] total = new long[2];
    if (count <= 0) {
      return total;
    }
    int limit = (int) Math.min(Integer.MAX_VALUE - 8, count);
    EvictionPlanner.Plan plan = EvictionPlanner.plan(census(limit), count, softPinned);
    if (plan.planned() == 0) {
      return total;
    }
    long now = clock.nowMs();
    Set<Groups.Group> groups = plan.groups();
    for (int s = 0; s < shards.count(); s++) {
      int quota = plan.quota()[s];
      if (quota == 0 && groups.isEmpty()) {
        continue;
      }
      EvictionOps.Choice choice = new EvictionOps.Choice(quota);
      ShardScan.walk(shards, s, (shard, from, homes) ->
          shard.eviction().choose(from, homes, now, softPinned, groups, allowSoftPinned, choice), choice::reset);
      List<ObjectEntry> chosen = choice.chosen();
      for (int from = 0; from < chosen.size(); from += EVICT_STEP) {
        int start = from;
        int end = Math.min(chosen.size(), from + EVICT_STEP);
        long[] done = shards.call(s, shard ->
            shard.eviction().evict(chosen, start, end, now, softPinned, groups, allowSoftPinned));
        total[0] += done[0];
        total[1] += done[1];
      }
    }
    return total;
  }
}
