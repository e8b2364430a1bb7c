package io.kvcache.storage;

import io.kvcache.bus.Addresses;
import io.kvcache.bus.Fencing;
import io.kvcache.bus.MasterCalls;
import io.kvcache.proto.bus.Heartbeat;
import io.kvcache.proto.bus.HeartbeatReply;
import io.kvcache.proto.bus.MountSegment;
import io.kvcache.proto.bus.SegmentReply;
import io.kvcache.proto.bus.SliceDone;
import io.kvcache.proto.bus.SliceZero;
import io.kvcache.proto.bus.UnmountSegment;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.segment.DramSegment;
import io.kvcache.util.RateLimitedLog;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A storage node's DRAM segment on the event bus: serves slice reads, writes and zero-fills from other nodes' gateways at
 * {@code kv.segment.<nodeId>}, mounts the segment with the master (retrying until a master answers: a storage node may
 * start before the master), heart-beats with the session token the mount returned, mounts again when told to, and
 * drains then unmounts on shutdown. The segment itself is allocated and closed by {@link StorageRole}.
 *
 * <p>Failover: the master is whoever consumes the master's addresses now. Mounts and heartbeats use a short timeout
 * (at most 1 s) and, while no master answers, are retried every {@value #RETRY_MS} ms rather than every heartbeat
 * interval, so the node resumes heart-beating with a promoted master (which kept its session) within moments of the
 * promotion. Every request carries the highest master term the node has seen and every answer of an older term is
 * refused (see {@link StorageSession#admit}); so is a write granted under an older term.
 */
public final class SegmentVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(SegmentVerticle.class.getName());
  private static final RateLimitedLog FAILURES = RateLimitedLog.of(LOG, Level.FINE);
  private static final long RETRY_MS = 100;
  private static final long MASTER_TIMEOUT_MS = 1000;

  private final StorageOptions options;
  private final String segmentName;
  private final String endpoint;
  private final StorageSession session;
  private final DramSegment segment;
  private final DeliveryOptions delivery;
  private final MasterCalls master;
  private volatile boolean mounted;
  private final Promise<Void> firstMount = Promise.promise();
  private boolean stopping;
  private String token = "";
  private long heartbeatTimer = -1;
  private boolean heartbeatInFlight;

  public SegmentVerticle(StorageOptions options, String segmentName, String endpoint, StorageSession session,
                         DramSegment segment, DeliveryOptions delivery, MasterCalls master) {
    this.options = options;
    this.segmentName = segmentName;
    this.endpoint = endpoint;
    this.session = session;
    this.segment = segment;
    this.delivery = new DeliveryOptions(delivery)
        .setSendTimeout(Math.min(MASTER_TIMEOUT_MS, delivery.getSendTimeout()));
    this.master = master;
  }

  /** One attempt at the active master's mount address (the caller's own cadence asks again). */
  private Future<Message<com.google.protobuf.Message>> toMaster(com.google.protobuf.Message body) {
    return master.request(Addresses::mounts, body, delivery, 0, true);
  }

  /** Mounted with the master (always true for a node that contributes no segment). */
  public boolean isMounted() {
    return mounted || segment == null;
  }

  /** Completes once the segment is first mounted (at once for a node that contributes none); never fails. */
  public Future<Void> firstMount() {
    return segment == null ? Future.succeededFuture() : firstMount.future();
  }

  @Override
  public Future<?> start() {
    if (segment == null) {
      return Future.succeededFuture();
    }
    MessageConsumer<com.google.protobuf.Message> consumer =
        vertx.eventBus().consumer(Addresses.segment(session.nodeId()), this::onMessage);
    return consumer.completion().onSuccess(ignored -> mount());
  }

  private void mount() {
    MountSegment request = MountSegment.newBuilder()
        .setName(segmentName)
        .setNodeId(session.nodeId())
        .setEndpoint(endpoint)
        .setSize(segment.size())
        .setOffload(options.takesOffloads())
        .setToken(token) // the last session's: mounting again in the same session keeps the objects
        .build();
    toMaster(request)
        .onComplete(done -> {
          if (stopping) {
            return;
          }
          if (done.succeeded() && ((SegmentReply) done.result().body()).getCode() == ErrorCode.OK) {
            SegmentReply reply = (SegmentReply) done.result().body();
            mounted = true;
            token = reply.getToken();
            session.mounted(token, reply.getOffload());
            LOG.info("segment " + segmentName + " mounted with the master");
            firstMount.tryComplete();
            if (heartbeatTimer < 0) {
              heartbeatTimer = vertx.setPeriodic(options.heartbeatIntervalMs(), id -> heartbeat());
            }
          } else {
            String why = done.succeeded() ? ((SegmentReply) done.result().body()).getMessage() : done.cause().getMessage();
            LOG.fine("mount of " + segmentName + " not accepted yet (" + why + "); retrying");
            vertx.setTimer(RETRY_MS, id -> mount());
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
    Heartbeat beat = Heartbeat.newBuilder().setNodeId(session.nodeId()).setToken(token).build();
    toMaster(beat)
        .onComplete(done -> {
          heartbeatInFlight = false;
          if (stopping) {
            return;
          }
          if (done.failed()) {
            vertx.setTimer(RETRY_MS, id -> heartbeat()); // no master right now (a failover?): ask again soon
            return;
          }
          if (((HeartbeatReply) done.result().body()).getStatus() == HeartbeatReply.Status.NEED_REMOUNT) {
            LOG.warning("the master no longer knows this node: mounting segment " + segmentName + " again");
            mounted = false;
            session.lost();
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
    long grace = options.gracefulUnmountGraceMs();
    DeliveryOptions quick = new DeliveryOptions().setSendTimeout(2000);
    UnmountSegment unmount = UnmountSegment.newBuilder().setName(segmentName).setNodeId(session.nodeId())
        .setToken(token).setGraceMs(grace).build();
    // Best effort: the master also unmounts us when we leave the cluster or stop heart-beating.
    return master.request(Addresses::mounts, unmount, quick, 0, false)
        .transform(ignored -> {
          if (grace == 0) {
            return Future.<Void>succeededFuture();
          }
          LOG.info("draining segment " + segmentName + " for " + grace + " ms before unmounting");
          Promise<Void> drained = Promise.promise();
          vertx.setTimer(grace, id -> drained.complete());
          return drained.future();
        })
        .onComplete(ignored -> session.lost());
  }

  private void onMessage(Message<com.google.protobuf.Message> msg) {
    try {
      switch (msg.body()) {
        case SliceZero z -> {
          if (!session.admit(Fencing.term(msg))) { // a zero-fill is a write: refused from a replaced master
            msg.reply(SliceDone.newBuilder().setCode(ErrorCode.UNAVAILABLE_IN_CURRENT_MODE).build());
            return;
          }
          DataTransfer.zeroed(vertx, segment, z.getOffset(), z.getLength()).onComplete(done ->
              msg.reply(SliceDone.newBuilder().setCode(done.succeeded() ? ErrorCode.OK
                  : DataTransfer.codeOf(done.cause())).build()));
        }
        default -> msg.fail(ErrorCode.INVALID_PARAMS_VALUE, "unexpected body " + msg.body().getClass().getSimpleName());
      }
    } catch (IndexOutOfBoundsException e) {
      msg.reply(SliceDone.newBuilder().setCode(ErrorCode.INVALID_PARAMS).build());
    } catch (RuntimeException e) { // e.g. the segment closed under a late request while the node stops
      FAILURES.log("slice request failed", () -> RateLimitedLog.describe(e));
      msg.reply(SliceDone.newBuilder().setCode(ErrorCode.TRANSFER_FAIL).build());
    }
  }
}
