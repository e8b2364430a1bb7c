package io.kvcache.master;

import io.kvcache.alloc.LocalDiskRegistry;
import io.kvcache.alloc.NodeLiveness;
import io.kvcache.alloc.Segment;
import io.kvcache.alloc.SegmentRegistry;
import io.kvcache.bus.Addresses;
import io.kvcache.cluster.ClusterMembership;
import io.kvcache.proto.bus.Heartbeat;
import io.kvcache.proto.bus.HeartbeatReply;
import io.kvcache.proto.bus.MasterInfo;
import io.kvcache.proto.bus.MountSegment;
import io.kvcache.proto.bus.SegmentReply;
import io.kvcache.proto.bus.UnmountSegment;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.replica.Housekeeping;
import io.kvcache.replica.MillisClock;
import io.kvcache.tasks.Task;
import io.kvcache.tasks.TaskBoard;
import io.kvcache.tasks.TaskSpec;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;

import java.util.List;
import java.util.logging.Logger;

/**
 * Storage nodes' segments and liveness on the event bus ({@link Addresses#MOUNTS}): a node mounts (receiving a session
 * token), heart-beats, drains and unmounts here. A node that goes silent for {@code client_live_ttl_ms}, or that the
 * cluster reports gone, loses its segments at once: its replicas become unreadable immediately, its queued tasks are
 * dropped (their pins released) and objects left without a valid replica are erased, a slice at a time on a worker.
 * Also answers {@link Addresses#MASTER_INFO}.
 */
public final class MountVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(MountVerticle.class.getName());

  private final MasterOptions options;
  private final String masterNodeId;
  private final SegmentRegistry registry;
  private final NodeLiveness liveness;
  private final LocalDiskRegistry disks;
  private final TaskBoard board;
  private final MasterShards shards;
  private final MasterMetrics metrics;
  private final ClusterMembership membership;
  private final MillisClock clock;
  private Runnable stopListening = () -> { };
  private long expiryTimer = -1;

  public MountVerticle(MasterOptions options, String masterNodeId, SegmentRegistry registry, NodeLiveness liveness,
                       LocalDiskRegistry disks, TaskBoard board, MasterShards shards, MasterMetrics metrics,
                       ClusterMembership membership, MillisClock clock) {
    this.options = options;
    this.masterNodeId = masterNodeId;
    this.registry = registry;
    this.liveness = liveness;
    this.disks = disks;
    this.board = board;
    this.shards = shards;
    this.metrics = metrics;
    this.membership = membership;
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    MessageConsumer<com.google.protobuf.Message> mounts = vertx.eventBus().consumer(Addresses.MOUNTS, this::onMount);
    MessageConsumer<com.google.protobuf.Message> info = vertx.eventBus().consumer(Addresses.MASTER_INFO,
        msg -> msg.reply(MasterInfo.newBuilder().setReplicaShards(shards.count())
            .setLeaseTtlMs(options.shard().leaseTtlMs()).setMasterNodeId(masterNodeId).build()));
    stopListening = membership.onNodeLeft(nodeId -> context.runOnContext(ignored -> dropNode(nodeId, "left the cluster")));
    long checkEvery = Math.max(10, Math.min(1000, options.clientLiveTtlMs() / 4));
    expiryTimer = vertx.setPeriodic(checkEvery, id ->
        liveness.expire(clock.nowMs()).forEach(n -> dropNode(n, "stopped heart-beating")));
    return Future.all(mounts.completion(), info.completion());
  }

  @Override
  public Future<?> stop() {
    stopListening.run();
    vertx.cancelTimer(expiryTimer);
    return Future.succeededFuture();
  }

  private void onMount(Message<com.google.protobuf.Message> msg) {
    switch (msg.body()) {
      case MountSegment m -> msg.reply(mount(m));
      case Heartbeat h -> msg.reply(HeartbeatReply.newBuilder()
          .setStatus(liveness.heartbeat(h.getNodeId(), h.getToken(), clock.nowMs())
              ? HeartbeatReply.Status.OK : HeartbeatReply.Status.NEED_REMOUNT).build());
      case UnmountSegment u -> msg.reply(unmount(u));
      default -> msg.fail(ErrorCode.INVALID_PARAMS_VALUE, "unexpected body " + msg.body().getClass().getSimpleName());
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
    boolean offload = m.getOffload() && options.offload().enabled();
    if (offload) {
      disks.register(m.getNodeId(), m.getEndpoint());
      board.open(m.getNodeId());
      metrics.offloadQueue(m.getNodeId());
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
      dropDeadObjects();
    }
  }

  private void dropNode(String nodeId, String why) {
    liveness.leave(nodeId);
    disks.unregister(nodeId);
    for (Task task : board.close(nodeId)) {
      if (task.spec() instanceof TaskSpec.Offload o) {
        shards.call(o.shard(), s -> s.pins().release(o.pinId()));
      }
    }
    List<Segment> gone = registry.unmountNode(nodeId);
    if (!gone.isEmpty()) {
      LOG.warning("node " + nodeId + " " + why + ": unmounted " + gone.size() + " segment(s)");
      dropDeadObjects();
    }
  }

  /** Objects whose last replica was on the segments that went erase now rather than on next touch (off the loop). */
  private void dropDeadObjects() {
    vertx.executeBlocking(() -> Housekeeping.dropObjectsWithoutValidReplica(shards), false);
  }

  private static SegmentReply reply(ErrorCode code, String message) {
    return SegmentReply.newBuilder().setCode(code).setMessage(message).build();
  }
}
