package io.kvcache.master;

import io.kvcache.alloc.SegmentRegistry;
import io.kvcache.bus.Addresses;
import io.kvcache.proto.bus.EvictReply;
import io.kvcache.replica.EvictionRound;
import io.kvcache.replica.ReplicaMetrics;
import io.kvcache.replica.ShardShared;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * Drives eviction on the master: checks every {@code eviction_check_interval_ms} whether DRAM use passed the high
 * watermark or a put found no space, and runs one {@link EvictionRound} at a time on a worker thread (the round scans
 * every shard a slice at a time, so the shards keep serving). Puts that found the store full ask on
 * {@link Addresses#evict} and get the outcome of the next round. A round that frees nothing backs off (up to a second)
 * instead of rescanning every tick.
 */
public final class EvictionVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(EvictionVerticle.class.getName());
  private static final long MAX_BACKOFF_MS = 1000;

  private final MasterOptions options;
  private final ShardShared shared;
  private final MasterShards shards;
  private final List<Promise<EvictReply>> waiting = new ArrayList<>();
  private boolean running;
  private long idleUntilMs;
  private long backoffMs;
  private long timer = -1;

  private final MasterFence fence;

  public EvictionVerticle(MasterOptions options, MasterShards shards, MasterFence fence) {
    this.options = options;
    this.fence = fence;
    this.shared = shards.shared();
    this.shards = shards;
  }

  @Override
  public Future<?> start() {
    timer = vertx.setPeriodic(options.evictionCheckIntervalMs(), id -> tick(false));
    MessageConsumer<com.google.protobuf.Message> consumer = vertx.eventBus().consumer(Addresses.evict(fence.nodeId()), msg -> {
      if (!fence.admit(msg)) {
        return;
      }
      Promise<EvictReply> reply = Promise.promise();
      waiting.add(reply);
      reply.future().onSuccess(r -> fence.reply(msg, r));
      tick(true);
    });
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  private void tick(boolean asked) {
    if (running || !fence.serving().getAsBoolean()) {
      return; // the running round answers everyone waiting when it ends, or the next one does
    }
    SegmentRegistry segments = shared.segments();
    long capacity = segments.capacityBytes();
    double used = capacity == 0 ? 0 : (double) segments.allocatedBytes() / capacity;
    boolean wanted = shared.evictionWanted().get() && options.evictionRatio() > 0;
    if (!asked && !(used > options.evictionHighWatermark() || wanted)) {
      return;
    }
    long now = shared.clock().nowMs();
    if (!asked && now < idleUntilMs) {
      return;
    }
    shared.evictionWanted().set(false);
    double[] t = EvictionRound.targets(used, options.evictionHighWatermark(), options.evictionRatio());
    running = true;
    shared.metrics().evictionsAttempted.increment();
    List<Promise<EvictReply>> answering = new ArrayList<>(waiting);
    waiting.clear();
    EvictionRound round = new EvictionRound(shards, options.allowEvictSoftPinned(), shared.clock());
    vertx.executeBlocking(() -> round.run(t[0], t[1]), false).onComplete(ar -> {
      running = false;
      EvictReply.Builder reply = EvictReply.newBuilder();
      if (ar.succeeded()) {
        EvictionRound.Outcome outcome = ar.result();
        record(outcome);
        reply.setFreed(outcome.freedSomething()).setEvicted(outcome.evicted()).setReleased(outcome.released());
        backoffMs = outcome.freedSomething() ? 0 : Math.min(MAX_BACKOFF_MS, Math.max(10, backoffMs * 2));
      } else {
        LOG.warning("eviction round failed: " + ar.cause());
        backoffMs = MAX_BACKOFF_MS;
      }
      idleUntilMs = shared.clock().nowMs() + backoffMs;
      answering.forEach(p -> p.complete(reply.build()));
      if (!waiting.isEmpty()) {
        tick(true);
      }
    });
  }

  private void record(EvictionRound.Outcome outcome) {
    ReplicaMetrics m = shared.metrics();
    if (outcome.freedSomething()) {
      m.evictionsSuccessful.increment();
    }
    m.evictedKeys.increment(outcome.evicted());
    m.evictedBytes.increment(outcome.evictedBytes());
  }
}
