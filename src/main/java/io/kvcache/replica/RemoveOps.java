package io.kvcache.replica;

import io.kvcache.proto.v1.ErrorCode;

import java.util.List;
import java.util.function.Predicate;

/**
 * Removal from a shard: one object (refused while a read lease holds unless forced, always while it is being written or
 * a task holds it), and the two halves of a bulk removal, which {@link MatchingRemoval} runs slice by slice: collecting
 * the keys in scope, then removing the ones that matched (each re-checked).
 *
 * <p>Not thread-safe: part of one shard.
 */
public final class RemoveOps {
  private final ShardState state;

  RemoveOps(ShardState state) {
    this.state = state;
  }

  /** Removes one object. */
  public ErrorCode remove(byte[] key, int hash, boolean force) {
    ObjectEntry e = state.find(key, hash);
    if (e == null) {
      return ErrorCode.OBJECT_NOT_FOUND;
    }
    ErrorCode refusal = refusal(e, force, state.clock.nowMs());
    if (refusal != ErrorCode.OK) {
      return refusal;
    }
    state.erase(e);
    return ErrorCode.OK;
  }

  static ErrorCode refusal(ObjectEntry e, boolean force, long now) {
    if (!force && e.hasLease(now)) {
      return ErrorCode.OBJECT_HAS_LEASE;
    }
    if (e.isProcessing() || !e.allReplicasCompleteExceptTargets()) {
      return ErrorCode.REPLICA_IS_NOT_READY; // force does not bypass this (reference item 22)
    }
    if (e.hasReplicationTask()) {
      return ErrorCode.OBJECT_HAS_REPLICATION_TASK;
    }
    return ErrorCode.OK;
  }

  /** Adds the objects with home slots in the range whose encoded key is in {@code scope} to {@code out}. */
  int collect(int fromHome, int homes, Predicate<byte[]> scope, List<ObjectEntry> out) {
    return state.objects.forEachHome(fromHome, homes, e -> {
      if (scope.test(e.key)) {
        out.add(e);
      }
    });
  }

  /** Removes those of {@code candidates} that are still in the table and removable now; returns how many. */
  int removeAll(List<ObjectEntry> candidates, boolean force) {
    long now = state.clock.nowMs();
    int removed = 0;
    for (ObjectEntry e : candidates) {
      if (state.isCurrent(e) && state.dropInvalidReplicas(e) != null && refusal(e, force, now) == ErrorCode.OK) {
        state.erase(e);
        removed++;
      }
    }
    return removed;
  }
}
