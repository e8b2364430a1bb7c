package io.kvcache.master;

import io.kvcache.alloc.LocalDiskRegistry;
import io.kvcache.alloc.NodeLiveness;
import io.kvcache.alloc.Segment;
import io.kvcache.alloc.SegmentRegistry;
import io.kvcache.bus.Addresses;
import io.kvcache.cluster.ClusterMembership;
import io.kvcache.ha.Journal;
import io.kvcache.ha.OpRecord;
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

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Storage nodes' segments and liveness on the event bus ({@link Addresses#mounts}): a node mounts (receiving a session
 * token), heart-beats, drains and unmounts here. Also answers {@link Addresses#MASTER_INFO}.
 *
 * <p>One membership truth: a node must be a member of this master's cluster to mount or to stay mounted — a node that
 * Hazelcast dropped, or that sits in another partition, is unmounted and told to mount again, which it can do only once
 * it is back in the cluster. A node that goes silent for {@code client_live_ttl_ms}, or that the cluster reports gone,
 * loses its segments at once: its replicas become unreadable immediately, its queued tasks are dropped (their pins
 * released) and objects left without a valid replica are erased, a slice at a time on a worker.
 *
 * <p>Sessions and failover: mounting again with the token of the current session keeps the segment and its objects (the
 * same memory); any other mount of a known segment starts it empty. A promoted master keeps the sessions it followed,
 * so storage nodes carry on heart-beating with it without mounting again. Every mount, unmount and departure is
 * recorded in the op log, and a fresh mount takes allocations only once that record is durable (see
 * {@link Segment.Status#FENCED}).
 */
public final class MountVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(MountVerticle.class.getName());

  private final MasterOptions options;
  private final MasterFence fence;
  private final SegmentRegistry registry;
  private final NodeLiveness liveness;
  private final LocalDiskRegistry disks;
  private final TaskBoard board;
  private final MasterShards shards;
  private final MasterMetrics metrics;
  private final ClusterMembership membership;
  private final Journal journal;
  private final MillisClock clock;
  private Runnable stopListening = () -> { };
  private long expiryTimer = -1;

  public MountVerticle(MasterOptions options, MasterFence fence, SegmentRegistry registry, NodeLiveness liveness,
                       LocalDiskRegistry disks, TaskBoard board, MasterShards shards, MasterMetrics metrics,
                       ClusterMembership membership, Journal journal, MillisClock clock) {
    this.options = options;
    this.fence = fence;
    this.registry = registry;
    this.liveness = liveness;
    this.disks = disks;
    this.board = board;
    this.shards = shards;
    this.metrics = metrics;
    this.membership = membership;
    this.journal = journal;
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    MessageConsumer<com.google.protobuf.Message> mounts = vertx.eventBus().consumer(Addresses.mounts(fence.nodeId()), this::onMount);
    MessageConsumer<com.google.protobuf.Message> info = vertx.eventBus().consumer(Addresses.MASTER_INFO, msg -> {
      if (fence.admit(msg)) {
        fence.reply(msg, MasterInfo.newBuilder().setReplicaShards(shards.count())
            .setLeaseTtlMs(options.shard().leaseTtlMs()).setMasterNodeId(fence.nodeId()).setTerm(fence.term()).build());
      }
    });
    stopListening = membership.onNodeLeft(nodeId -> context.runOnContext(ignored -> dropNode(nodeId, "left the cluster")));
    // A promoted master restored the nodes its predecessor knew; those the cluster no longer has go now.
    Set<String> known = new LinkedHashSet<>();
    for (Segment s : registry.snapshot()) {
      known.add(s.nodeId());
    }
    known.stream().filter(n -> !membership.isMember(n)).forEach(n -> dropNode(n, "is not in the cluster"));
    // Liveness counts from the moment nodes can reach us: registering the address with the cluster may take a while
    // (a promoted master whose predecessor is frozen but still a member), and sessions it restored must not expire
    // for silence they could not help.
    return Future.all(mounts.completion(), info.completion()).onSuccess(ignored -> {
      liveness.restartAll(clock.nowMs());
      long checkEvery = Math.max(10, Math.min(1000, options.clientLiveTtlMs() / 4));
      expiryTimer = vertx.setPeriodic(checkEvery, id ->
          liveness.expire(clock.nowMs()).forEach(n -> dropNode(n, "stopped heart-beating")));
    });
  }

  @Override
  public Future<?> stop() {
    stopListening.run();
    vertx.cancelTimer(expiryTimer);
    return Future.succeededFuture();
  }

  private void onMount(Message<com.google.protobuf.Message> msg) {
    if (!fence.admit(msg)) {
      return;
    }
    switch (msg.body()) {
      case MountSegment m -> mount(msg, m);
      case Heartbeat h -> fence.reply(msg, HeartbeatReply.newBuilder().setStatus(heartbeat(h)).build());
      case UnmountSegment u -> fence.reply(msg, unmount(u));
      default -> msg.fail(ErrorCode.INVALID_PARAMS_VALUE, "unexpected body " + msg.body().getClass().getSimpleName());
    }
  }

  private HeartbeatReply.Status heartbeat(Heartbeat h) {
    if (!membership.isMember(h.getNodeId())) {
      dropNode(h.getNodeId(), "heart-beat from outside the cluster");
      return HeartbeatReply.Status.NEED_REMOUNT;
    }
    return liveness.heartbeat(h.getNodeId(), h.getToken(), clock.nowMs()) ? HeartbeatReply.Status.OK
        : HeartbeatReply.Status.NEED_REMOUNT;
  }

  private void mount(Message<com.google.protobuf.Message> msg, MountSegment m) {
    if (m.getName().isEmpty() || m.getNodeId().isEmpty() || m.getSize() == 0) {
      fence.reply(msg, reply(ErrorCode.INVALID_PARAMS, "segment name, node and a positive size are required"));
      return;
    }
    if (!membership.isMember(m.getNodeId())) {
      fence.reply(msg, reply(ErrorCode.UNAVAILABLE_IN_CURRENT_STATUS, "node " + m.getNodeId()
          + " is not a member of this master's cluster; it may mount once it has rejoined"));
      return;
    }
    Segment existing = registry.byName(m.getName());
    if (existing != null && existing.nodeId().equals(m.getNodeId()) && existing.capacity() == m.getSize()
        && existing.isMounted() && !m.getToken().isEmpty() && liveness.authentic(m.getNodeId(), m.getToken())) {
      liveness.heartbeat(m.getNodeId(), m.getToken(), clock.nowMs()); // the same session again: keep its objects
      fence.reply(msg, mounted(m, m.getToken()));
      return;
    }
    if (existing != null) {
      if (!existing.nodeId().equals(m.getNodeId()) && membership.isMember(existing.nodeId())) {
        fence.reply(msg, reply(ErrorCode.SEGMENT_ALREADY_EXISTS, "segment " + m.getName()
            + " is mounted by live node " + existing.nodeId()));
        return;
      }
      // Another session's mount of this name (a restarted node, or a session the master has lost track of): its
      // bytes may have been reused since, so its objects go.
      dropNode(existing.nodeId(), "mounts segment " + m.getName() + " afresh");
    }
    Segment segment;
    try {
      segment = registry.mountFenced(m.getName(), m.getNodeId(), m.getEndpoint(), m.getSize());
    } catch (IllegalArgumentException e) {
      fence.reply(msg, reply(ErrorCode.SEGMENT_ALREADY_EXISTS, e.getMessage()));
      return;
    }
    String token = liveness.join(m.getNodeId(), clock.nowMs());
    journal.record(new OpRecord.SegmentMounted(m.getName(), m.getNodeId(), m.getEndpoint(), m.getSize(), true));
    journal.record(new OpRecord.NodeSession(m.getNodeId(), token));
    boolean offload = m.getOffload() && options.offload().enabled();
    if (offload) {
      disks.register(m.getNodeId(), m.getEndpoint());
      journal.record(new OpRecord.DiskRegistered(m.getNodeId(), m.getEndpoint()));
      board.open(m.getNodeId());
      metrics.offloadQueue(m.getNodeId());
    }
    // Allocations start once a standby knows of this mount (at once without one); only then is the node told.
    journal.deferFree(() -> context.runOnContext(ignored -> {
      if (segment.markAttached()) {
        LOG.info("segment " + m.getName() + " mounted: " + m.getSize() + " bytes on node " + m.getNodeId());
      }
      fence.reply(msg, mounted(m, token).toBuilder().setOffload(offload).build());
    }));
  }

  private SegmentReply mounted(MountSegment m, String token) {
    return reply(ErrorCode.OK, "").toBuilder().setToken(token)
        .setOffload(m.getOffload() && options.offload().enabled() && disks.get(m.getNodeId()) != null).build();
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
      journal.record(new OpRecord.SegmentUnmounted(name));
      LOG.info("segment " + name + " unmounted " + why);
      dropDeadObjects();
    }
  }

  private void dropNode(String nodeId, String why) {
    boolean known = liveness.isAlive(nodeId);
    liveness.leave(nodeId);
    disks.unregister(nodeId);
    for (Task task : board.close(nodeId)) {
      if (task.spec() instanceof TaskSpec.Offload o) {
        shards.call(o.shard(), s -> s.pins().release(o.pinId()));
      }
    }
    List<Segment> gone = registry.unmountNode(nodeId);
    if (known || !gone.isEmpty()) {
      journal.record(new OpRecord.NodeGone(nodeId));
    }
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
