package io.kvcache.replica;

import java.util.function.BooleanSupplier;

/**
 * Walks a shard's objects in slices of {@link #SLICE_HOMES} home slots, one {@link ShardAccess} step per slice, so no
 * step holds the shard for long (a slice visits about 3,000 entries at the table's usual load: tens of microseconds). If
 * the table was resized between two slices (home slots then move), the walk starts over, at most {@link #MAX_RESTARTS}
 * times; a resize halves or doubles the table, so that bound is only reached under extreme churn, and then the walk
 * stops early (its caller treats the result as best effort).
 */
final class ShardScan {
  static final int SLICE_HOMES = 4096;
  static final int MAX_RESTARTS = 64;
  private static final int RESIZED = -2;

  private ShardScan() {}

  /** One slice: visit the entries with home slots in {@code [fromHome, fromHome + homes)}; return the next home or -1. */
  interface Slice {
    int run(Shard shard, int fromHome, int homes);
  }

  /** Runs {@code slice} over the whole table of {@code shard}; {@code restart} resets the caller's partial results. */
  static void walk(ShardAccess shards, int shard, Slice slice, Runnable restart) {
    walk(shards, shard, slice, () -> { }, restart);
  }

  /** As above, with {@code afterSlice} run after every slice, outside the step (it may make steps of its own). */
  static void walk(ShardAccess shards, int shard, Slice slice, Runnable afterSlice, Runnable restart) {
    walkWhile(shards, shard, slice, () -> {
      afterSlice.run();
      return true;
    }, restart);
  }

  /** As above; the walk stops early when {@code afterSlice} returns false. */
  static void walkWhile(ShardAccess shards, int shard, Slice slice, BooleanSupplier afterSlice, Runnable restart) {
    int[] capacity = {-1};
    int next = 0;
    int restarts = 0;
    while (next >= 0) {
      int from = next;
      next = shards.call(shard, s -> {
        int now = s.state().objects.capacity();
        if (capacity[0] >= 0 && now != capacity[0]) {
          return RESIZED;
        }
        capacity[0] = now;
        return slice.run(s, from, SLICE_HOMES);
      });
      if (next != RESIZED) {
        if (!afterSlice.getAsBoolean()) {
          return;
        }
      } else {
        if (++restarts > MAX_RESTARTS) {
          return;
        }
        restart.run();
        capacity[0] = -1;
        next = 0;
      }
    }
  }
}
