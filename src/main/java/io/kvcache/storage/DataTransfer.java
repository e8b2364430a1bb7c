package io.kvcache.storage;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.protobuf.UnsafeByteOperations;
import io.kvcache.bus.Addresses;
import io.kvcache.bus.BusErrors;
import io.kvcache.bus.Departures;
import io.kvcache.bus.Fencing;
import io.kvcache.metadata.ReplicaLocation;
import io.kvcache.proto.bus.SliceData;
import io.kvcache.proto.bus.SliceRead;
import io.kvcache.proto.bus.SliceWrite;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.segment.DramSegment;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;

import java.util.List;

/**
 * Moves value bytes between a caller and the segments: a replica in this node's segment is copied directly (no
 * event-bus hop), a replica on another node goes through that node's {@link SegmentVerticle}.
 *
 * <p>A write carries the term of the master that handed out its replica's location; the target refuses it if it knows a
 * newer master (locally: this node's {@link StorageSession}). A call waiting on another node fails the moment the
 * cluster reports that node gone ({@link Departures}), as TRANSFER_FAIL.
 *
 * <p>Thread-safe (stateless apart from what it was given); local copies run on the caller's thread.
 */
public final class DataTransfer {
  private final Vertx vertx;
  private final DeliveryOptions options;
  private final String nodeId;
  private final String segmentName;
  private final DramSegment local;
  private final StorageSession session;
  private final Departures departures;

  /**
   * @param local this node's segment (named {@code segmentName}), or null when it contributes none
   * @param session this node's standing with the master (the newest term it knows), or null without a segment
   */
  public DataTransfer(Vertx vertx, DeliveryOptions options, String nodeId, String segmentName, DramSegment local,
                      StorageSession session, Departures departures) {
    this.vertx = vertx;
    this.options = options;
    this.nodeId = nodeId;
    this.segmentName = segmentName;
    this.local = local;
    this.session = session;
    this.departures = departures;
  }

  /** A bus failure as the key's code: a target that left the cluster is a failed transfer. */
  private static ErrorCode failureCode(Throwable cause) {
    return cause instanceof Departures.Departed ? ErrorCode.TRANSFER_FAIL : BusErrors.codeOf(cause);
  }

  /** Writes {@code data} at {@code offsetInValue} of every replica; fails with the first error code. */
  public Future<Void> writeAll(List<ReplicaLocation> replicas, long offsetInValue, ByteString data) {
    if (replicas.size() == 1) {
      return write(replicas.get(0), offsetInValue, data);
    }
    return Future.all(replicas.stream().map(r -> write(r, offsetInValue, data)).toList()).mapEmpty();
  }

  public Future<Void> write(ReplicaLocation replica, long offsetInValue, ByteString data) {
    long at = replica.offset() + offsetInValue;
    if (isLocal(replica)) {
      if (session != null && !session.admit(replica.term())) {
        return Future.failedFuture(new TransferException(ErrorCode.UNAVAILABLE_IN_CURRENT_MODE,
            "write granted by a replaced master (term " + replica.term() + ")"));
      }
      try {
        local.write(at, data.asReadOnlyByteBuffer());
        return Future.succeededFuture();
      } catch (IndexOutOfBoundsException e) {
        return Future.failedFuture(new TransferException(ErrorCode.INVALID_PARAMS, e.getMessage()));
      } catch (IllegalStateException closed) { // the node is shutting down: its segment is gone
        return Future.failedFuture(new TransferException(ErrorCode.TRANSFER_FAIL, closed.getMessage()));
      }
    }
    SliceWrite request = SliceWrite.newBuilder().setSegment(replica.segmentName()).setOffset(at).setData(data).build();
    DeliveryOptions withTerm = Fencing.stamped(options, replica.term(), nodeId);
    return departures.guard(replica.nodeId(),
            vertx.eventBus().<Message>request(Addresses.segment(replica.nodeId()), request, withTerm))
        .transform(ar -> {
          if (ar.failed()) {
            return Future.failedFuture(new TransferException(failureCode(ar.cause()), ar.cause().getMessage()));
          }
          SliceData reply = (SliceData) ar.result().body();
          return reply.getCode() == ErrorCode.OK ? Future.succeededFuture()
              : Future.failedFuture(new TransferException(reply.getCode(), "remote write refused"));
        });
  }

  public Future<ByteString> read(ReplicaLocation replica, long offsetInValue, int length) {
    long at = replica.offset() + offsetInValue;
    if (isLocal(replica)) {
      try {
        return Future.succeededFuture(UnsafeByteOperations.unsafeWrap(local.read(at, length)));
      } catch (IndexOutOfBoundsException e) {
        return Future.failedFuture(new TransferException(ErrorCode.INVALID_PARAMS, e.getMessage()));
      } catch (IllegalStateException closed) { // the node is shutting down: its segment is gone
        return Future.failedFuture(new TransferException(ErrorCode.TRANSFER_FAIL, closed.getMessage()));
      }
    }
    SliceRead request = SliceRead.newBuilder().setSegment(replica.segmentName()).setOffset(at).setLength(length)
        .build();
    return departures.guard(replica.nodeId(),
            vertx.eventBus().<Message>request(Addresses.segment(replica.nodeId()), request, options))
        .transform(ar -> {
          if (ar.failed()) {
            return Future.failedFuture(new TransferException(failureCode(ar.cause()), ar.cause().getMessage()));
          }
          SliceData reply = (SliceData) ar.result().body();
          return reply.getCode() == ErrorCode.OK ? Future.succeededFuture(reply.getData())
              : Future.failedFuture(new TransferException(reply.getCode(), "remote read refused"));
        });
  }

  /** The memory replicas in the order a reader should try them: this node's first, then the others as listed. */
  public List<ReplicaLocation> readOrder(List<ReplicaLocation> replicas) {
    List<ReplicaLocation> out = new java.util.ArrayList<>(replicas.size());
    for (ReplicaLocation r : replicas) {
      if (r.isMemory() && isLocal(r)) {
        out.add(0, r);
      } else if (r.isMemory()) {
        out.add(r);
      }
    }
    return out;
  }

  private boolean isLocal(ReplicaLocation replica) {
    return local != null && replica.nodeId().equals(nodeId) && replica.segmentName().equals(segmentName);
  }

  /** A failed transfer with the code the key reports. */
  public static final class TransferException extends RuntimeException {
    public final ErrorCode code;

    public TransferException(ErrorCode code, String message) {
      super(message, null, false, false);
      this.code = code;
    }
  }

  public static ErrorCode codeOf(Throwable failure) {
    return failure instanceof TransferException t ? t.code : ErrorCode.TRANSFER_FAIL;
  }
}
