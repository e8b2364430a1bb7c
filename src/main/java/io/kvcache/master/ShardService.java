package io.kvcache.master;

import io.kvcache.replica.Shard;

import java.util.function.Function;

/**
 * One metadata shard behind its own lock. Gateways on the master's node call it directly on their own threads (a put
 * or get never hands off to another event loop), the metadata verticle for gateways on other nodes, and background
 * jobs (eviction, bulk removal, sweeps) from worker threads, one short step at a time.
 *
 * <p>Thread-safe: every access to the shard holds this object's monitor (one lock per shard, so shards never contend).
 * Lock order on the master: a shard's lock, then the task board's, then a segment's; never the other way.
 */
public final class ShardService {
  private final Shard shard;

  public ShardService(Shard shard) {
    this.shard = shard;
  }

  public int index() {
    return shard.index();
  }

  /** Runs {@code step} on the shard under its lock. */
  public synchronized <T> T call(Function<Shard, T> step) {
    return step.apply(shard);
  }
}
