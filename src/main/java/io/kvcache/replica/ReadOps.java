package io.kvcache.replica;

import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.util.Result;

/**
 * The read path of a shard: a read lease on a readable object (counting the hit by the tier of its first readable
 * replica, or the miss), existence probes (a hit is leased too), and plain lookups for the master's own decisions.
 *
 * <p>Not thread-safe: part of one shard.
 */
public final class ReadOps {
  private final ShardState state;

  ReadOps(ShardState state) {
    this.state = state;
  }

  /** Grants a read lease on a readable object: OBJECT_NOT_FOUND, or REPLICA_IS_NOT_READY while still being written. */
  public Result<ObjectEntry> lease(byte[] key, int hash) {
    ObjectEntry e = state.find(key, hash);
    if (e == null) {
      state.misses++;
      return Result.fail(ErrorCode.OBJECT_NOT_FOUND);
    }
    Replica first = ShardState.firstReadable(e);
    if (first == null) {
      return Result.fail(ErrorCode.REPLICA_IS_NOT_READY);
    }
    state.grantLease(e, state.clock.nowMs());
    if (first.isMemory()) {
      state.memoryHits++;
      state.memoryHitBytes += e.size;
    } else {
      state.diskHits++;
      state.diskHitBytes += e.size;
    }
    return Result.ok(e);
  }

  /** True if the key has a readable replica; a hit grants the same read lease as {@link #lease}. */
  public boolean exists(byte[] key, int hash) {
    ObjectEntry e = state.find(key, hash);
    if (e == null || ShardState.firstReadable(e) == null) {
      return false;
    }
    state.grantLease(e, state.clock.nowMs());
    return true;
  }

  /** The object's entry without a lease or a counted hit; null if absent. */
  public ObjectEntry find(byte[] key, int hash) {
    return state.find(key, hash);
  }
}
