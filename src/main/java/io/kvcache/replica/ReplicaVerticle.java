package io.kvcache.replica;

import io.kvcache.app.KvStoreOptions;
import io.kvcache.app.NodeContext;
import io.kvcache.bus.Addresses;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;

import java.util.function.ToLongFunction;

/**
 * One metadata shard on the event bus ({@code kv.replica.<shard>}): a thin adapter that hands each request to its
 * {@link ShardService} and runs the shard's periodic sweep.
 */
public final class ReplicaVerticle extends VerticleBase {
  private static final long SWEEP_INTERVAL_MS = 1000;
  /** Largest replica_num a put may ask for: far above any cluster's segment count, small enough to bound work. */
  private static final int MAX_REPLICAS = 64;

  private final NodeContext node;
  private final ShardService service;
  private long sweepTimer = -1;

  public ReplicaVerticle(NodeContext node, ShardService service) {
    this.node = node;
    this.service = service;
  }

  /** The settings every shard of this node's master uses. */
  public static ShardSettings settings(KvStoreOptions o) {
    return new ShardSettings(o.leaseTtlMs(), o.putStartDiscardTimeoutMs(), o.putStartReleaseTimeoutMs(),
        o.softPinDefaultTtlMs(), o.softPinMaxTtlMs(), o.maxValueSize(), MAX_REPLICAS);
  }

  @Override
  public Future<?> start() {
    Tags tags = Tags.of("shard", String.valueOf(service.index()));
    Gauge.builder("kvstore_replica_objects", service, s -> s.call(ReplicaShard::objectCount))
        .tags(tags).description("Objects in this shard").register(node.meters());
    Gauge.builder("kvstore_replica_live_leases", service, s -> s.call(ReplicaShard::liveLeases))
        .tags(tags).description("Objects with a live read lease").register(node.meters());
    Gauge.builder("kvstore_replica_parked_buffers", service, s -> s.call(ReplicaShard::parkedCount))
        .tags(tags).description("Preempted or abandoned buffer sets waiting for the release timeout")
        .register(node.meters());
    counter("kvstore_replica_mem_cache_hits", "Reads served by a memory replica", tags, ReplicaShard::memoryHits);
    counter("kvstore_replica_mem_cache_hit_bytes", "Bytes of reads served from memory", tags, ReplicaShard::memoryHitBytes);
    counter("kvstore_replica_disk_cache_hits", "Reads served by an SSD replica", tags, ReplicaShard::diskHits);
    counter("kvstore_replica_disk_cache_hit_bytes", "Bytes of reads served from SSD", tags, ReplicaShard::diskHitBytes);
    counter("kvstore_replica_get_misses", "Replica-list requests for absent objects", tags, ReplicaShard::misses);
    sweepTimer = vertx.setPeriodic(SWEEP_INTERVAL_MS, id -> service.call(ReplicaShard::sweep));
    MessageConsumer<com.google.protobuf.Message> consumer =
        vertx.eventBus().consumer(Addresses.replica(service.index()), this::onMessage);
    return consumer.completion();
  }

  private void counter(String name, String help, Tags tags, ToLongFunction<ReplicaShard> count) {
    FunctionCounter.builder(name, service, s -> s.call(count::applyAsLong)).tags(tags).description(help)
        .register(node.meters());
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(sweepTimer);
    return Future.succeededFuture();
  }

  private void onMessage(Message<com.google.protobuf.Message> msg) {
    com.google.protobuf.Message reply;
    try {
      reply = service.handle(msg.body());
    } catch (IllegalArgumentException e) {
      msg.fail(400, e.getMessage());
      return;
    }
    if (reply != null) {
      msg.reply(reply);
    }
  }
}
