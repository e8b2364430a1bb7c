package io.kvcache.master;

import io.kvcache.metadata.ObjectKey;
import io.kvcache.replica.KeyCodec;
import io.kvcache.replica.Shard;
import io.kvcache.replica.ShardAccess;
import io.kvcache.replica.ShardShared;

import java.util.List;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * The shards of a master: which one owns a key, a step on one of them under its lock, and totals for the meters.
 *
 * <p>Thread-safe (each shard behind its own lock; the list never changes).
 */
public final class MasterShards implements ShardAccess {
  private final ShardShared shared;
  private final List<ShardService> shards;

  public MasterShards(ShardShared shared, List<ShardService> shards) {
    this.shared = shared;
    this.shards = List.copyOf(shards);
  }

  public ShardShared shared() {
    return shared;
  }

  @Override
  public int count() {
    return shards.size();
  }

  @Override
  public <T> T call(int shard, Function<Shard, T> step) {
    return shards.get(shard).call(step);
  }

  public int indexOf(ObjectKey key) {
    return KeyCodec.shardOf(key.hash(), shards.size());
  }

  /** Key indices per shard, in key order within each shard. */
  public int[][] groupByShard(List<ObjectKey> keys) {
    int[] shardOf = new int[keys.size()];
    int[] counts = new int[shards.size()];
    for (int i = 0; i < shardOf.length; i++) {
      shardOf[i] = indexOf(keys.get(i));
      counts[shardOf[i]]++;
    }
    int[][] groups = new int[shards.size()][];
    for (int s = 0; s < groups.length; s++) {
      groups[s] = new int[counts[s]];
      counts[s] = 0;
    }
    for (int i = 0; i < shardOf.length; i++) {
      groups[shardOf[i]][counts[shardOf[i]]++] = i;
    }
    return groups;
  }

  /** Sums {@code measure} over the shards, each read under its lock. */
  public long sum(ToLongFunction<Shard> measure) {
    long total = 0;
    for (ShardService s : shards) {
      total += s.call(measure::applyAsLong);
    }
    return total;
  }
}
