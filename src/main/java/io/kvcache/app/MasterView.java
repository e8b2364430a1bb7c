package io.kvcache.app;

import io.kvcache.replica.EvictionRound;
import io.kvcache.replica.ReplicaShard;
import io.kvcache.replica.ShardService;
import io.kvcache.replica.ShardShared;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.ToLongFunction;

/** The master's shards and their shared state, for whoever in the node needs totals (metrics, admin, tests). */
public record MasterView(ShardShared shared, List<ShardService> shards) implements EvictionRound.ShardCalls {
  public MasterView {
    shards = List.copyOf(shards);
  }

  /** Runs {@code step} on every shard in turn, each under its lock (so shards keep serving between steps). */
  @Override
  public <T> CompletableFuture<List<T>> onEach(java.util.function.Function<ReplicaShard, T> step) {
    return CompletableFuture.completedFuture(shards.stream().map(s -> s.call(step)).toList());
  }

  /** Runs one eviction round now with the given target and lower bound (shares of evictable objects). */
  public EvictionRound.Outcome evict(double target, double lowerbound, boolean allowSoftPinned) {
    return new EvictionRound(this, allowSoftPinned).run(target, lowerbound).join();
  }

  /** Sums {@code measure} over the shards, each read under its lock. */
  public CompletableFuture<Long> sum(ToLongFunction<ReplicaShard> measure) {
    return CompletableFuture.completedFuture(shards.stream().mapToLong(s -> s.call(measure::applyAsLong)).sum());
  }
}
