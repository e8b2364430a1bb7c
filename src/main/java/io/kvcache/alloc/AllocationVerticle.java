package io.kvcache.alloc;

import io.kvcache.app.NodeContext;
import io.kvcache.bus.Addresses;
import io.kvcache.proto.bus.Heartbeat;
import io.kvcache.proto.bus.HeartbeatReply;
import io.kvcache.proto.bus.MasterInfo;
import io.kvcache.proto.bus.MountSegment;
import io.kvcache.proto.bus.SegmentReply;
import io.kvcache.proto.bus.SegmentsGone;
import io.kvcache.proto.bus.UnmountSegment;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.replica.MillisClock;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;

import java.util.List;
import java.util.logging.Logger;

/**
 * The master's segment registry and storage-node liveness on the event bus. Storage nodes mount here (receiving a
 * session token), heart-beat, drain and unmount; a node that goes silent for {@code client_live_ttl_ms}, or that the
 * cluster reports gone, loses its segments at once — its replicas become unreadable immediately and the shards drop
 * objects left without a valid replica. Also answers {@link Addresses#MASTER_INFO}.
 *
 * <p>Allocation itself does not pass through here: replica shards call the thread-safe {@link SegmentRegistry} and
 * their own strategy directly, which saves an event-bus round trip on every PutStart.
 */
public final class AllocationVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(AllocationVerticle.class.getName());

  private final NodeContext node;
  private final SegmentRegistry registry;
  private final NodeLiveness liveness;
  private final MillisClock clock = MillisClock.MONOTONIC;
  private Runnable stopListening = () -> {};
  private long expiryTimer = -1;

  public AllocationVerticle(NodeContext node) {
    this.node = node;
    this.registry = node.segmentRegistry();
    this.liveness = node.nodeLiveness();
  }

  @Override
  public Future<?> start() {
    Gauge.builder("kvstore_alloc_capacity_bytes", registry, SegmentRegistry::capacityBytes)
        .description("Bytes of all mounted segments").register(node.meters());
    Gauge.builder("kvstore_alloc_used_bytes", registry, SegmentRegistry::allocatedBytes)
        .description("Bytes allocated to replicas (requested sizes)").register(node.meters());
    Gauge.builder("kvstore_alloc_segments", registry, r -> r.snapshot().length)
        .description("Mounted segments").register(node.meters());
    Gauge.builder("kvstore_alloc_live_storage_nodes", liveness, NodeLiveness::size)
        .description("Storage nodes heart-beating within their TTL").register(node.meters());
    MessageConsumer<com.google.protobuf.Message> alloc = vertx.eventBus().consumer(Addresses.ALLOC, this::onAlloc);
    MessageConsumer<com.google.protobuf.Message> info = vertx.eventBus().consumer(Addresses.MASTER_INFO,
        msg -> msg.reply(MasterInfo.newBuilder()
            .setReplicaShards(node.options().replicaShards())
            .setLeaseTtlMs(node.options().leaseTtlMs())
            .setMasterNodeId(node.nodeId())
            .build()));
    stopListening = node.membership().onNodeLeft(nodeId -> context.runOnContext(ignored -> dropNode(nodeId, "left the cluster")));
    long checkEvery = Math.max(10, Math.min(1000, node.options().clientLiveTtlMs() / 4));
    expiryTimer = vertx.setPeriodic(checkEvery, id ->
        liveness.expire(clock.nowMs()).forEach(n -> dropNode(n, "stopped heart-beating")));
    return Future.all(alloc.completion(), info.completion());
  }

  @Override
  public Future<?> stop() {
    stopListening.run();
    vertx.cancelTimer(expiryTimer);
    return Future.succeededFuture();
  }

  private void onAlloc(Message<com.google.protobuf.Message> msg) {
    switch (msg.body()) {
      case MountSegment m -> msg.reply(mount(m));
      case Heartbeat h -> msg.reply(HeartbeatReply.newBuilder()
          .setStatus(liveness.heartbeat(h.getNodeId(), h.getToken(), clock.nowMs())
              ? HeartbeatReply.Status.OK : HeartbeatReply.Status.NEED_REMOUNT).build());
      case UnmountSegment u -> msg.reply(unmount(u));
      default -> msg.fail(400, "unexpected body " + msg.body().getClass().getSimpleName());
    }
  }

  private SegmentReply mount(MountSegment m) {
    if (m.getName().isEmpty() || m.getNodeId().isEmpty() || m.getSize() == 0) {
      return reply(ErrorCode.INVALID_PARAMS, "segment name, node and a positive size are required");
    }
    try {
      registry.mount(m.getName(), m.getNodeId(), m.getEndpoint(), m.getSize());
    } catch (IllegalArgumentException e) {
      return reply(ErrorCode.SEGMENT_ALREADY_EXISTS, e.getMessage());
    }
    LOG.info("segment " + m.getName() + " mounted: " + m.getSize() + " bytes on node " + m.getNodeId());
    boolean offload = m.getOffload() && node.options().enableOffload();
    if (offload) {
      node.localDisks().register(m.getNodeId(), m.getEndpoint());
      node.offloadQueues().open(m.getNodeId());
      registerQueueGauge(m.getNodeId());
    }
    return reply(ErrorCode.OK, "").toBuilder().setToken(liveness.join(m.getNodeId(), clock.nowMs()))
        .setOffload(offload).build();
  }

  private SegmentReply unmount(UnmountSegment u) {
    Segment segment = registry.byName(u.getName());
    if (segment == null) {
      return reply(ErrorCode.OK, ""); // unknown segment: nothing to do (reference item 4)
    }
    if (!segment.nodeId().equals(u.getNodeId()) || !liveness.authentic(u.getNodeId(), u.getToken())) {
      return reply(ErrorCode.ILLEGAL_CLIENT, "only the node that mounted a segment may unmount it");
    }
    if (u.getGraceMs() > 0) {
      registry.setDraining(u.getName());
      LOG.info("segment " + u.getName() + " draining for " + u.getGraceMs() + " ms");
      vertx.setTimer(u.getGraceMs(), id -> unmountNow(u.getName(), "after draining"));
    } else {
      unmountNow(u.getName(), "by its node");
    }
    return reply(ErrorCode.OK, "");
  }

  private void unmountNow(String name, String why) {
    Segment gone = registry.unmount(name);
    if (gone != null) {
      LOG.info("segment " + name + " unmounted " + why);
      announceGone(List.of(gone));
    }
  }

  private void registerQueueGauge(String nodeId) {
    io.micrometer.core.instrument.Gauge.builder("kvstore_offload_queue_depth", node.offloadQueues(), q -> q.depth(nodeId))
        .tag("node", nodeId).description("Objects waiting for (or being written to) this node's SSD")
        .register(node.meters());
  }

  private void dropNode(String nodeId, String why) {
    liveness.leave(nodeId);
    node.localDisks().unregister(nodeId);
    for (io.kvcache.offload.OffloadQueues.Task task : node.offloadQueues().close(nodeId)) {
      node.master().shards().get(task.shard()).call(s -> s.pins().release(task.pinId()));
    }
    List<Segment> gone = registry.unmountNode(nodeId);
    if (!gone.isEmpty()) {
      LOG.warning("node " + nodeId + " " + why + ": unmounted " + gone.size() + " segment(s)");
      announceGone(gone);
    }
  }

  /** Tells every shard, so objects whose last replica was on these segments disappear now rather than on next touch. */
  private void announceGone(List<Segment> segments) {
    SegmentsGone body = SegmentsGone.newBuilder().addAllNames(segments.stream().map(Segment::name).toList()).build();
    for (int shard = 0; shard < node.options().replicaShards(); shard++) {
      vertx.eventBus().send(Addresses.replica(shard), body);
    }
  }

  private static SegmentReply reply(ErrorCode code, String message) {
    return SegmentReply.newBuilder().setCode(code).setMessage(message).build();
  }
}
