package io.kvcache.segment;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.kvcache.app.NodeContext;
import io.kvcache.bus.Addresses;
import io.kvcache.proto.bus.Heartbeat;
import io.kvcache.proto.bus.HeartbeatReply;
import io.kvcache.proto.bus.MountSegment;
import io.kvcache.proto.bus.SegmentReply;
import io.kvcache.proto.bus.SliceData;
import io.kvcache.proto.bus.SliceRead;
import io.kvcache.proto.bus.SliceWrite;
import io.kvcache.proto.bus.UnmountSegment;
import io.kvcache.proto.v1.ErrorCode;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;

import java.util.logging.Logger;

/**
 * A storage node's DRAM segment on the event bus. Allocates (and pre-faults) the segment off the event loop, serves
 * slice reads and writes from other nodes' gateways at {@code kv.segment.<nodeId>}, mounts the segment with the
 * master (retrying until a master answers: a storage node may start before the master), heart-beats with the session
 * token the mount returned, mounts again when told to, and drains then unmounts on shutdown.
 */
public final class SegmentVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(SegmentVerticle.class.getName());
  private static final long MOUNT_RETRY_MS = 500;

  private final NodeContext node;
  private final String endpoint;
  private DramSegment segment;
  private volatile boolean mounted;
  private boolean stopping;
  private String token = "";
  private long heartbeatTimer = -1;
  private boolean heartbeatInFlight;

  public SegmentVerticle(NodeContext node, String endpoint) {
    this.node = node;
    this.endpoint = endpoint;
  }

  public boolean isMounted() {
    return mounted || node.options().segmentSize() == 0;
  }

  @Override
  public Future<?> start() {
    long size = node.options().segmentSize();
    if (size == 0) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(() -> new DramSegment(size)).compose(allocated -> {
      segment = allocated;
      node.publishLocalSegment(allocated);
      Gauge.builder("kvstore_segment_capacity_bytes", allocated, DramSegment::size)
          .description("DRAM this node contributes").register(node.meters());
      MessageConsumer<com.google.protobuf.Message> consumer =
          vertx.eventBus().consumer(Addresses.segment(node.nodeId()), this::onMessage);
      return consumer.completion();
    }).onSuccess(ignored -> mount());
  }

  private void mount() {
    MountSegment request = MountSegment.newBuilder()
        .setName(node.options().nodeName())
        .setNodeId(node.nodeId())
        .setEndpoint(endpoint)
        .setSize(segment.size())
        .setOffload(node.ssd() != null)
        .build();
    vertx.eventBus().<com.google.protobuf.Message>request(Addresses.ALLOC, request, node.requestOptions())
        .onComplete(done -> {
          if (stopping) {
            return;
          }
          if (done.succeeded() && ((SegmentReply) done.result().body()).getCode() == ErrorCode.OK) {
            mounted = true;
            token = ((SegmentReply) done.result().body()).getToken();
            node.publishOffloadAccepted(((SegmentReply) done.result().body()).getOffload());
            node.publishSessionToken(token);
            LOG.info("segment " + request.getName() + " mounted with the master");
            if (heartbeatTimer < 0) {
              heartbeatTimer = vertx.setPeriodic(node.options().heartbeatIntervalMs(), id -> heartbeat());
            }
          } else {
            String why = done.succeeded() ? ((SegmentReply) done.result().body()).getMessage() : done.cause().getMessage();
            LOG.fine("mount of " + request.getName() + " not accepted yet (" + why + "); retrying");
            vertx.setTimer(MOUNT_RETRY_MS, id -> mount());
          }
        });
  }

  /**
   * Keeps the node alive in the master's eyes; a NEED_REMOUNT answer (the master expired us, or restarted) mounts the
   * segment again. One heartbeat in flight at a time.
   */
  private void heartbeat() {
    if (stopping || heartbeatInFlight || !mounted) {
      return;
    }
    heartbeatInFlight = true;
    Heartbeat beat = Heartbeat.newBuilder().setNodeId(node.nodeId()).setToken(token).build();
    vertx.eventBus().<com.google.protobuf.Message>request(Addresses.ALLOC, beat, node.requestOptions())
        .onComplete(done -> {
          heartbeatInFlight = false;
          if (stopping) {
            return;
          }
          if (done.succeeded() && ((HeartbeatReply) done.result().body()).getStatus() == HeartbeatReply.Status.NEED_REMOUNT) {
            LOG.warning("the master no longer knows this node: mounting segment " + node.options().nodeName() + " again");
            mounted = false;
            node.publishSessionToken(null);
            mount();
          }
        });
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(heartbeatTimer);
    if (segment == null) {
      return Future.succeededFuture();
    }
    long grace = node.options().gracefulUnmountGraceMs();
    DeliveryOptions quick = new DeliveryOptions().setSendTimeout(2000);
    UnmountSegment unmount = UnmountSegment.newBuilder().setName(node.options().nodeName()).setNodeId(node.nodeId())
        .setToken(token).setGraceMs(grace).build();
    // Best effort: the master also unmounts us when we leave the cluster or stop heart-beating.
    return vertx.eventBus().request(Addresses.ALLOC, unmount, quick)
        .transform(ignored -> {
          if (grace == 0) {
            return Future.<Void>succeededFuture();
          }
          LOG.info("draining segment " + node.options().nodeName() + " for " + grace + " ms before unmounting");
          io.vertx.core.Promise<Void> drained = io.vertx.core.Promise.promise();
          vertx.setTimer(grace, id -> drained.complete());
          return drained.future();
        })
        .onComplete(ignored -> {
          node.publishLocalSegment(null);
          segment.close();
        });
  }

  private void onMessage(Message<com.google.protobuf.Message> msg) {
    try {
      switch (msg.body()) {
        case SliceWrite w -> {
          segment.write(w.getOffset(), w.getData().asReadOnlyByteBuffer());
          msg.reply(SliceData.newBuilder().setCode(ErrorCode.OK).build());
        }
        case SliceRead r -> {
          if (r.getLength() > Integer.MAX_VALUE) {
            throw new IndexOutOfBoundsException("slice length " + r.getLength());
          }
          ByteString bytes = UnsafeByteOperations.unsafeWrap(segment.read(r.getOffset(), (int) r.getLength()));
          msg.reply(SliceData.newBuilder().setCode(ErrorCode.OK).setData(bytes).build());
        }
        default -> msg.fail(400, "unexpected body " + msg.body().getClass().getSimpleName());
      }
    } catch (IndexOutOfBoundsException e) {
      msg.reply(SliceData.newBuilder().setCode(ErrorCode.INVALID_PARAMS).build());
    }
  }
}
