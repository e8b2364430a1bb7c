package io.kvcache.segment;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.protobuf.UnsafeByteOperations;
import io.kvcache.app.NodeContext;
import io.kvcache.bus.Addresses;
import io.kvcache.bus.BusErrors;
import io.kvcache.proto.bus.SliceData;
import io.kvcache.proto.bus.SliceRead;
import io.kvcache.proto.bus.SliceWrite;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.ReplicaDescriptor;
import io.kvcache.proto.v1.ReplicaType;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;

import java.util.List;

/**
 * Moves value bytes between this node and the segments: a replica in this node's segment is copied directly (no
 * event-bus hop), a replica on another node goes through that node's SegmentVerticle.
 *
 * <p>Not thread-safe: one per verticle. Local copies run on the caller's event loop (memory copies, no I/O).
 */
public final class SliceTransfer {
  private final NodeContext node;
  private final DeliveryOptions options;

  public SliceTransfer(NodeContext node) {
    this.node = node;
    this.options = node.requestOptions();
  }

  /** Writes {@code data} at {@code offsetInValue} of every replica; fails with the first error code. */
  public Future<Void> writeAll(List<ReplicaDescriptor> replicas, long offsetInValue, ByteString data) {
    if (replicas.size() == 1) {
      return write(replicas.get(0), offsetInValue, data);
    }
    return Future.all(replicas.stream().map(r -> write(r, offsetInValue, data)).toList()).mapEmpty();
  }

  public Future<Void> write(ReplicaDescriptor replica, long offsetInValue, ByteString data) {
    long at = replica.getOffset() + offsetInValue;
    DramSegment local = localSegmentFor(replica);
    if (local != null) {
      try {
        local.write(at, data.asReadOnlyByteBuffer());
        return Future.succeededFuture();
      } catch (IndexOutOfBoundsException e) {
        return Future.failedFuture(new TransferException(ErrorCode.INVALID_PARAMS, e.getMessage()));
      }
    }
    SliceWrite request = SliceWrite.newBuilder().setSegment(replica.getSegmentName()).setOffset(at).setData(data).build();
    return node.vertx().eventBus().<Message>request(Addresses.segment(replica.getNodeId()), request, options)
        .transform(ar -> {
          if (ar.failed()) {
            return Future.failedFuture(new TransferException(BusErrors.codeOf(ar.cause()), ar.cause().getMessage()));
          }
          SliceData reply = (SliceData) ar.result().body();
          return reply.getCode() == ErrorCode.OK ? Future.succeededFuture()
              : Future.failedFuture(new TransferException(reply.getCode(), "remote write refused"));
        });
  }

  public Future<ByteString> read(ReplicaDescriptor replica, long offsetInValue, int length) {
    long at = replica.getOffset() + offsetInValue;
    DramSegment local = localSegmentFor(replica);
    if (local != null) {
      try {
        return Future.succeededFuture(UnsafeByteOperations.unsafeWrap(local.read(at, length)));
      } catch (IndexOutOfBoundsException e) {
        return Future.failedFuture(new TransferException(ErrorCode.INVALID_PARAMS, e.getMessage()));
      }
    }
    SliceRead request = SliceRead.newBuilder().setSegment(replica.getSegmentName()).setOffset(at).setLength(length)
        .build();
    return node.vertx().eventBus().<Message>request(Addresses.segment(replica.getNodeId()), request, options)
        .transform(ar -> {
          if (ar.failed()) {
            return Future.failedFuture(new TransferException(BusErrors.codeOf(ar.cause()), ar.cause().getMessage()));
          }
          SliceData reply = (SliceData) ar.result().body();
          return reply.getCode() == ErrorCode.OK ? Future.succeededFuture(reply.getData())
              : Future.failedFuture(new TransferException(reply.getCode(), "remote read refused"));
        });
  }

  /** Prefers a memory replica in this node's segment, then the first memory replica; null if there is none. */
  public ReplicaDescriptor choose(List<ReplicaDescriptor> replicas) {
    ReplicaDescriptor firstMemory = null;
    for (ReplicaDescriptor r : replicas) {
      if (r.getType() == ReplicaType.MEMORY) {
        if (localSegmentFor(r) != null) {
          return r;
        }
        if (firstMemory == null) {
          firstMemory = r;
        }
      }
    }
    return firstMemory;
  }

  private DramSegment localSegmentFor(ReplicaDescriptor replica) {
    DramSegment local = node.localSegment();
    return local != null && replica.getNodeId().equals(node.nodeId())
        && replica.getSegmentName().equals(node.options().nodeName()) ? local : null;
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
