package io.kvcache.replica;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Removes every removable object whose encoded key is in scope (e.g. one namespace) and matches a predicate (e.g. a
 * regex over the user key), across all shards, a slice at a time: the keys in scope are collected in one step, matched
 * outside any step (matching may be slow: it never holds a shard), and the matches removed in another step, each
 * re-checked. Plain synchronous code: run it off the event loop.
 */
public final class MatchingRemoval {
  private MatchingRemoval() {}

  /** Returns how many objects were removed. */
  public static long run(ShardAccess shards, Predicate<byte[]> scope, Predicate<byte[]> matches, boolean force) {
    long[] removed = {0};
    for (int shard = 0; shard < shards.count(); shard++) {
      int index = shard;
      List<ObjectEntry> inScope = new ArrayList<>();
      ShardScan.walk(shards, shard, (s, from, homes) -> s.removes().collect(from, homes, scope, inScope), () -> {
        List<ObjectEntry> matched = new ArrayList<>();
        for (ObjectEntry e : inScope) {
          if (matches.test(e.key)) { // e.key is final: safe to read outside the step
            matched.add(e);
          }
        }
        inScope.clear();
        if (!matched.isEmpty()) {
          removed[0] += shards.call(index, s -> s.removes().removeAll(matched, force));
        }
      }, inScope::clear);
    }
    return removed[0];
  }
}
