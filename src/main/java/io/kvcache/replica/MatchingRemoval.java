package io.kvcache.replica;

import io.kvcache.proto.v1.ErrorCode;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Bulk removal across all shards, a slice at a time (no step holds a shard for long): RemoveAll of a scope (one
 * namespace, or all), and RemoveByRegex, whose matching runs outside any step against a time budget and removes
 * nothing unless the whole scan fits it. Plain synchronous code: run it off the event loop.
 *
 * <p>Stateless and thread-safe (each call's state is its own; the shards are reached through {@link ShardAccess}).
 */
public final class MatchingRemoval {
  /** Most candidates one removal step re-checks and removes (a step stays short however much matched). */
  static final int REMOVE_STEP = 4096;

  private MatchingRemoval() {}

  /** Removes every removable object whose encoded key is in {@code scope}; returns how many. */
  public static long run(ShardAccess shards, Predicate<byte[]> scope, boolean force) {
    long[] removed = {0};
    for (int shard = 0; shard < shards.count(); shard++) {
      int index = shard;
      List<ObjectEntry> inScope = new ArrayList<>();
      ShardScan.walk(shards, shard, (s, from, homes) -> s.removes().collect(from, homes, scope, inScope), () -> {
        if (!inScope.isEmpty()) {
          removed[0] += shards.call(index, s -> s.removes().removeAll(inScope, force));
          inScope.clear();
        }
      }, inScope::clear);
    }
    return removed[0];
  }

  /**
   * RemoveByRegex: removes the namespace's removable objects whose user key contains a match of {@code regex} (see
   * {@link KeyRegex}). Refuses with INVALID_PARAMS (and why) an invalid namespace or pattern, and with BUDGET_EXCEEDED
   * when collecting and matching take longer than {@code budgetMs}; a refused call removes nothing.
   */
  public static BulkRemoval removeByRegex(ShardAccess shards, String namespace, String regex, boolean force,
                                          long budgetMs, MillisClock clock) {
    String badNamespace = KeyCodec.validateNamespace(namespace);
    if (badNamespace != null) {
      return BulkRemoval.refused(ErrorCode.INVALID_PARAMS, badNamespace);
    }
    KeyRegex pattern;
    try {
      pattern = KeyRegex.compile(regex);
    } catch (IllegalArgumentException refused) {
      return BulkRemoval.refused(ErrorCode.INVALID_PARAMS, refused.getMessage());
    }
    byte[] prefix = KeyCodec.namespacePrefix(namespace);
    return run(shards, key -> KeyCodec.inNamespace(key, prefix), pattern::matchesUserKey, force, budgetMs, clock);
  }

  /**
   * Removes the removable objects in {@code scope} that {@code matches}, in two passes: every shard is scanned slice by
   * slice and its keys in scope are matched outside any step, with the clock checked before each key; only if the
   * whole pass ends within {@code budgetMs} are the matches removed, in steps of {@link #REMOVE_STEP}, each re-checked
   * (an object changed or removed meanwhile is skipped). Over budget: BUDGET_EXCEEDED and nothing removed.
   */
  static BulkRemoval run(ShardAccess shards, Predicate<byte[]> scope, Predicate<byte[]> matches, boolean force,
                         long budgetMs, MillisClock clock) {
    long deadline = clock.nowMs() + budgetMs;
    List<List<ObjectEntry>> matchedByShard = new ArrayList<>();
    long[] scanned = {0};
    boolean[] overBudget = {false};
    for (int shard = 0; shard < shards.count() && !overBudget[0]; shard++) {
      List<ObjectEntry> inScope = new ArrayList<>();
      List<ObjectEntry> matched = new ArrayList<>();
      matchedByShard.add(matched);
      ShardScan.walkWhile(shards, shard, (s, from, homes) -> s.removes().collect(from, homes, scope, inScope), () -> {
        for (ObjectEntry e : inScope) {
          if (clock.nowMs() > deadline) {
            overBudget[0] = true;
            break;
          }
          scanned[0]++;
          if (matches.test(e.key)) { // e.key is final: safe to read outside the step
            matched.add(e);
          }
        }
        inScope.clear();
        return !overBudget[0];
      }, () -> {
        inScope.clear();
        matched.clear(); // the walk starts the shard over
      });
    }
    if (overBudget[0]) {
      return BulkRemoval.refused(ErrorCode.BUDGET_EXCEEDED, "over budget: scanning and matching took more than "
          + budgetMs + " ms (stopped after " + scanned[0] + " keys); nothing was removed");
    }
    long removed = 0;
    for (int shard = 0; shard < matchedByShard.size(); shard++) {
      List<ObjectEntry> matched = matchedByShard.get(shard);
      for (int from = 0; from < matched.size(); from += REMOVE_STEP) {
        List<ObjectEntry> step = matched.subList(from, Math.min(matched.size(), from + REMOVE_STEP));
        removed += shards.call(shard, s -> s.removes().removeAll(step, force));
      }
    }
    return BulkRemoval.removed(removed);
  }
}
