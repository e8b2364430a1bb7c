package io.kvcache.replica;

import java.util.function.Function;

/**
 * How domain code that spans the shards of a master (eviction rounds, bulk removal) reaches them: one short step at a
 * time on one shard, under whatever guards it (the master's per-shard lock; tests call inline). A long job is a sequence
 * of steps, so the shards keep serving requests in between.
 */
public interface ShardAccess {
  int count();

  <T> T call(int shard, Function<Shard, T> step);
}
