package io.kvcache.alloc;

import io.kvcache.app.NodeContext;
import io.kvcache.bus.Addresses;
import io.kvcache.proto.bus.MasterInfo;
import io.kvcache.proto.bus.MountSegment;
import io.kvcache.proto.bus.SegmentReply;
import io.kvcache.proto.bus.SegmentsGone;
import io.kvcache.proto.bus.UnmountSegment;
import io.kvcache.proto.v1.ErrorCode;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;

import java.util.List;
import java.util.logging.Logger;

/**
 * The master's segment registry on the event bus: storage nodes mount and unmount their segments here, and when the
 * cluster reports a node gone its segments are unmounted at once (their replicas become unreadable immediately and the
 * shards drop objects left without a valid replica). Also answers {@link Addresses#MASTER_INFO}.
 *
 * <p>Allocation itself does not pass through here: replica shards call the thread-safe {@link SegmentRegistry} and their
 * own strategy directly, which saves an event-bus round trip on every PutStart.
 */
public final class AllocationVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(AllocationVerticle.class.getName());

  private final NodeContext node;
  private final SegmentRegistry registry;
  private Runnable stopListening = () -> {};

  public AllocationVerticle(NodeContext node) {
    this.node = node;
    this.registry = node.segmentRegistry();
  }

  @Override
  public Future<?> start() {
    Gauge.builder("kvstore_alloc_capacity_bytes", registry, SegmentRegistry::capacityBytes)
        .description("Bytes of all mounted segments").register(node.meters());
    Gauge.builder("kvstore_alloc_used_bytes", registry, SegmentRegistry::allocatedBytes)
        .description("Bytes allocated to replicas (requested sizes)").register(node.meters());
    Gauge.builder("kvstore_alloc_segments", registry, r -> r.snapshot().length)
        .description("Mounted segments").register(node.meters());
    MessageConsumer<com.google.protobuf.Message> alloc = vertx.eventBus().consumer(Addresses.ALLOC, this::onAlloc);
    MessageConsumer<com.google.protobuf.Message> info = vertx.eventBus().consumer(Addresses.MASTER_INFO,
        msg -> msg.reply(MasterInfo.newBuilder()
            .setReplicaShards(node.options().replicaShards())
            .setLeaseTtlMs(node.options().leaseTtlMs())
            .setMasterNodeId(node.nodeId())
            .build()));
    stopListening = node.membership().onNodeLeft(nodeId -> context.runOnContext(ignored -> onNodeLeft(nodeId)));
    return Future.all(alloc.completion(), info.completion());
  }

  @Override
  public Future<?> stop() {
    stopListening.run();
    return Future.succeededFuture();
  }

  private void onAlloc(Message<com.google.protobuf.Message> msg) {
    switch (msg.body()) {
      case MountSegment m -> msg.reply(mount(m));
      case UnmountSegment u -> {
        Segment gone = registry.unmount(u.getName());
        if (gone != null) {
          LOG.info("segment " + u.getName() + " unmounted by its node");
          announceGone(List.of(gone));
        }
        msg.reply(reply(ErrorCode.OK, ""));
      }
      default -> msg.fail(400, "unexpected body " + msg.body().getClass().getSimpleName());
    }
  }

  private SegmentReply mount(MountSegment m) {
    if (m.getName().isEmpty() || m.getNodeId().isEmpty() || m.getSize() == 0) {
      return reply(ErrorCode.INVALID_PARAMS, "segment name, node and a positive size are required");
    }
    try {
      registry.mount(m.getName(), m.getNodeId(), m.getEndpoint(), m.getSize());
      LOG.info("segment " + m.getName() + " mounted: " + m.getSize() + " bytes on node " + m.getNodeId());
      return reply(ErrorCode.OK, "");
    } catch (IllegalArgumentException e) {
      return reply(ErrorCode.SEGMENT_ALREADY_EXISTS, e.getMessage());
    }
  }

  private void onNodeLeft(String nodeId) {
    List<Segment> gone = registry.unmountNode(nodeId);
    if (!gone.isEmpty()) {
      LOG.warning("node " + nodeId + " left the cluster: unmounted " + gone.size() + " segment(s)");
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
