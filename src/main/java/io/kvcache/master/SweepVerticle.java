package io.kvcache.master;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/**
 * Sweeps every shard once a second, on a worker thread: abandoned puts are parked, expired copy/move tasks and offload
 * pins reaped, parked buffers whose time has come freed. Each shard is swept in one step (its work is bounded by what is
 * in flight, not by the objects stored).
 */
public final class SweepVerticle extends VerticleBase {
  private static final long SWEEP_INTERVAL_MS = 1000;

  private final MasterShards shards;
  private long timer = -1;
  private boolean sweeping;

  public SweepVerticle(MasterShards shards) {
    this.shards = shards;
  }

  @Override
  public Future<?> start() {
    timer = vertx.setPeriodic(SWEEP_INTERVAL_MS, id -> {
      if (sweeping) {
        return;
      }
      sweeping = true;
      vertx.executeBlocking(() -> {
        for (int s = 0; s < shards.count(); s++) {
          shards.call(s, shard -> shard.housekeeping().sweep());
        }
        return null;
      }, false).onComplete(ignored -> sweeping = false);
    });
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }
}
