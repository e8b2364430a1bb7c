package io.kvcache.replica;

import io.kvcache.alloc.SegmentRegistry;
import io.kvcache.app.KvStoreOptions;
import io.kvcache.app.NodeContext;
import io.kvcache.bus.Addresses;
import io.kvcache.proto.bus.EvictReply;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Logger;

/**
 * Drives eviction on the master: checks every {@code eviction_check_interval_ms} whether DRAM use passed the high
 * watermark or a put found no space, and runs one {@link EvictionRound} at a time over the shards (each step under
 * that shard's lock, so the shards keep serving between steps). Puts that found the store full ask on {@link Addresses#EVICT} and get the outcome of the
 * next round. A round that frees nothing backs off (up to a second) instead of rescanning every tick.
 */
public final class EvictionVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(EvictionVerticle.class.getName());
  private static final long MAX_BACKOFF_MS = 1000;

  private final NodeContext node;
  private final ShardShared shared;
  private final EvictionRound.ShardCalls shards;
  private final List<Promise<EvictReply>> waiting = new ArrayList<>();
  private boolean running;
  private long idleUntilMs;
  private long backoffMs;
  private long timer = -1;

  public EvictionVerticle(NodeContext node, ShardShared shared, EvictionRound.ShardCalls shards) {
    this.node = node;
    this.shared = shared;
    this.shards = shards;
  }

  @Override
  public Future<?> start() {
    timer = vertx.setPeriodic(node.options().evictionCheckIntervalMs(), id -> tick(false));
    MessageConsumer<com.google.protobuf.Message> consumer = vertx.eventBus().consumer(Addresses.EVICT, msg -> {
      Promise<EvictReply> reply = Promise.promise();
      waiting.add(reply);
      reply.future().onSuccess(msg::reply);
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
    if (running) {
      return; // the running round answers everyone waiting when it ends, or the next one does
    }
    KvStoreOptions o = node.options();
    SegmentRegistry segments = shared.segments();
    long capacity = segments.capacityBytes();
    double used = capacity == 0 ? 0 : (double) segments.allocatedBytes() / capacity;
    boolean wanted = shared.evictionWanted().get() && o.evictionRatio() > 0;
    if (!asked && !(used > o.evictionHighWatermark() || wanted)) {
      return;
    }
    long now = System.nanoTime() / 1_000_000;
    if (!asked && now < idleUntilMs) {
      return;
    }
    shared.evictionWanted().set(false);
    double[] t = EvictionRound.targets(used, o.evictionHighWatermark(), o.evictionRatio());
    running = true;
    shared.metrics().evictionsAttempted.increment();
    List<Promise<EvictReply>> answering = new ArrayList<>(waiting);
    waiting.clear();
    CompletableFuture<EvictionRound.Outcome> round =
        new EvictionRound(shards, o.allowEvictSoftPinned()).run(t[0], t[1]);
    Future.fromCompletionStage(round, context).onComplete(ar -> {
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
      idleUntilMs = System.nanoTime() / 1_000_000 + backoffMs;
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
