package io.kvcache.app;

import io.kvcache.replica.ReplicaShard;
import io.kvcache.replica.ReplicaVerticle;
import io.kvcache.replica.ShardShared;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.ToLongFunction;

/** The master's shards and their shared state, for whoever in the node needs totals (metrics, admin, tests). */
public record MasterView(ShardShared shared, List<ReplicaVerticle> shards) {
  public MasterView {
    shards = List.copyOf(shards);
  }

  /** Sums {@code measure} over the shards, each read on its own event loop. */
  public CompletableFuture<Long> sum(ToLongFunction<ReplicaShard> measure) {
    List<CompletableFuture<Long>> parts = shards.stream().map(s -> s.call(shard -> measure.applyAsLong(shard))).toList();
    return CompletableFuture.allOf(parts.toArray(new CompletableFuture[0]))
        .thenApply(ignored -> parts.stream().mapToLong(CompletableFuture::join).sum());
  }
}
