package io.kvcache.storage;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.kvcache.bus.Addresses;
import io.kvcache.bus.BusErrors;
import io.kvcache.bus.Departures;
import io.kvcache.bus.Fencing;
import io.kvcache.metadata.ReplicaLocation;
import io.kvcache.proto.bus.SliceDone;
import io.kvcache.proto.bus.SliceZero;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.segment.DramSegment;
import io.kvcache.storage.peer.PeerDataClient;
import io.kvcache.storage.peer.PeerFailure;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Moves value bytes between a caller and the segments: a replica in this node's segment is copied directly (no
 * event-bus hop), a replica on another node goes over a data connection to it ({@link PeerDataClient}): its bytes are
 * never in an event-bus message.
 *
 * <p>A write carries the term of the master that handed out its replica's location; the target refuses it if it knows a
 * newer master (locally: this node's {@link StorageSession}). A call waiting on another node fails the moment the
 * cluster reports that node gone ({@link Departures}), as TRANSFER_FAIL.
 *
 * <p>Thread-safe (stateless apart from what it was given); local copies run on the caller's thread.
 */
public final class DataTransfer {
  /** Zero-fills up to this size run on the caller's thread. */
  static final long ZERO_INLINE_BYTES = 1 << 20;

  private final Vertx vertx;
  private final DeliveryOptions options;
  private final String nodeId;
  private final String segmentName;
  private final DramSegment local;
  private final StorageSession session;
  private final Departures departures;
  private final PeerDataClient peers;

  /**
   * @param local this node's segment (named {@code segmentName}), or null when it contributes none
   * @param session this node's standing with the master (the newest term it knows), or null without a segment
   * @param peers the data connections to other nodes' segments
   */
  public DataTransfer(Vertx vertx, DeliveryOptions options, String nodeId, String segmentName, DramSegment local,
                      StorageSession session, Departures departures, PeerDataClient peers) {
    this.vertx = vertx;
    this.options = options;
    this.nodeId = nodeId;
    this.segmentName = segmentName;
    this.local = local;
    this.session = session;
    this.departures = departures;
    this.peers = peers;
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

  /** Refuses a write into this node's segment granted by a master older than the newest this node knows. */
  private TransferException fencedLocally(ReplicaLocation replica) {
    return session != null && !session.admit(replica.term())
        ? new TransferException(ErrorCode.UNAVAILABLE_IN_CURRENT_MODE,
            "write granted by a replaced master (term " + replica.term() + ")")
        : null;
  }

  /** A request to the segment of {@code replica}'s node, failed the moment that node leaves the cluster. */
  private Future<SliceDone> toSegment(ReplicaLocation replica, Message request, DeliveryOptions sent, String what) {
    return departures.guard(replica.nodeId(),
            vertx.eventBus().<Message>request(Addresses.segment(replica.nodeId()), request, sent))
        .transform(ar -> {
          if (ar.failed()) {
            return Future.failedFuture(new TransferException(failureCode(ar.cause()), ar.cause().getMessage()));
          }
          SliceDone reply = (SliceDone) ar.result().body();
          return reply.getCode() == ErrorCode.OK ? Future.succeededFuture(reply)
              : Future.failedFuture(new TransferException(reply.getCode(), "remote " + what + " refused"));
        });
  }

  public Future<Void> write(ReplicaLocation replica, long offsetInValue, ByteString data) {
    long at = replica.offset() + offsetInValue;
    if (isLocal(replica)) {
      TransferException fenced = fencedLocally(replica);
      if (fenced != null) {
        return Future.failedFuture(fenced);
      }
      try {
        local.write(at, data.asReadOnlyByteBufferList()); // no flattening of a value received in pieces
        return Future.succeededFuture();
      } catch (InternalError fault) { // the source was a client's shared file that shrank under its mapping
        return Future.failedFuture(new TransferException(ErrorCode.TRANSFER_FAIL, "memory fault reading the value"));
      } catch (IndexOutOfBoundsException e) {
        return Future.failedFuture(new TransferException(ErrorCode.INVALID_PARAMS, e.getMessage()));
      } catch (IllegalStateException closed) { // the node is shutting down: its segment is gone
        return Future.failedFuture(new TransferException(ErrorCode.TRANSFER_FAIL, closed.getMessage()));
      }
    }
    return fromPeer(replica, peers.write(replica.nodeId(), replica.segmentName(), at, replica.term(),
        Unpooled.wrappedBuffer(data.asReadOnlyByteBufferList().toArray(ByteBuffer[]::new))));
  }

  /** A node-to-node call, failed the moment its node leaves the cluster, its failure as the key's code. */
  private <T> Future<T> fromPeer(ReplicaLocation replica, Future<T> call) {
    return asTransferFailure(departures.guard(replica.nodeId(), call));
  }

  private static <T> Future<T> asTransferFailure(Future<T> call) {
    return call.recover(failure -> Future.failedFuture(
        failure instanceof PeerFailure p ? new TransferException(p.code, p.getMessage())
            : new TransferException(failureCode(failure), String.valueOf(failure.getMessage()))));
  }

  /**
   * Zero-fills every memory replica, whole: for replicas a client will write itself (two-phase put, client-driven copy
   * and move), so that bytes it never writes read as zeros, never as what the memory held before. Fails with the first
   * error code.
   */
  public Future<Void> zeroAll(List<ReplicaLocation> replicas) {
    List<Future<Void>> zeroed = new ArrayList<>(replicas.size());
    for (ReplicaLocation r : replicas) {
      if (r.isMemory()) {
        zeroed.add(zero(r));
      }
    }
    return Future.all(zeroed).mapEmpty();
  }

  private Future<Void> zero(ReplicaLocation replica) {
    if (isLocal(replica)) {
      TransferException fenced = fencedLocally(replica);
      return fenced != null ? Future.failedFuture(fenced) : zeroed(vertx, local, replica.offset(), replica.size());
    }
    SliceZero request = SliceZero.newBuilder().setSegment(replica.segmentName()).setOffset(replica.offset())
        .setLength(replica.size()).build();
    return toSegment(replica, request, Fencing.stamped(options, replica.term(), nodeId), "zero-fill").mapEmpty();
  }

  /**
   * Zeroes {@code [offset, +length)} of {@code segment}: inline up to {@link #ZERO_INLINE_BYTES} (a few tens of
   * microseconds), on a worker thread above, so a 64 MiB fill never holds an event loop.
   */
  static Future<Void> zeroed(Vertx vertx, DramSegment segment, long offset, long length) {
    if (length <= ZERO_INLINE_BYTES) {
      try {
        segment.zero(offset, length);
        return Future.succeededFuture();
      } catch (RuntimeException e) {
        return Future.failedFuture(zeroFailure(e));
      }
    }
    return vertx.<Void>executeBlocking(() -> {
      segment.zero(offset, length);
      return null;
    }, false).recover(e -> Future.failedFuture(zeroFailure(e)));
  }

  private static TransferException zeroFailure(Throwable e) {
    return e instanceof IndexOutOfBoundsException ? new TransferException(ErrorCode.INVALID_PARAMS, e.getMessage())
        : new TransferException(ErrorCode.TRANSFER_FAIL, String.valueOf(e.getMessage())); // closed: shutting down
  }

  /**
   * Reads {@code length} bytes at {@code offsetInValue} of the replica into a pooled direct buffer (one copy out of a
   * local segment); the caller owns the buffer and releases it.
   */
  public Future<ByteBuf> read(ReplicaLocation replica, long offsetInValue, int length) {
    long at = replica.offset() + offsetInValue;
    if (isLocal(replica)) {
      ByteBuf out = ByteBufAllocator.DEFAULT.directBuffer(length, length);
      try {
        local.read(at, out.nioBuffer(0, length));
        return Future.succeededFuture(out.writerIndex(length));
      } catch (IndexOutOfBoundsException e) {
        out.release();
        return Future.failedFuture(new TransferException(ErrorCode.INVALID_PARAMS, e.getMessage()));
      } catch (IllegalStateException closed) { // the node is shutting down: its segment is gone
        out.release();
        return Future.failedFuture(new TransferException(ErrorCode.TRANSFER_FAIL, closed.getMessage()));
      }
    }
    // Bytes that arrive after the read was failed early (its node left) are released here: nobody else will.
    return asTransferFailure(departures.guard(replica.nodeId(),
        peers.read(replica.nodeId(), replica.segmentName(), at, length), ByteBuf::release));
  }

  /**
   * The first {@code length} bytes of object {@code index} of batch {@code batchId}, which node {@code nodeId}'s SSD
   * loaded for {@code owner}, over the data connection to that node (its data name is {@code dataName}); the caller
   * owns the buffer. Fails with the peer's code: INVALID_PARAMS when the batch is no longer alive.
   */
  public Future<ByteBuf> readLoaded(String nodeId, String dataName, String batchId, String owner, int index,
                                    int length) {
    return asTransferFailure(departures.guard(nodeId,
        peers.readLoaded(nodeId, dataName, batchId, owner, index, length), ByteBuf::release));
  }

  /**
   * Copies {@code target.byteSize()} bytes at {@code offsetInValue} of the replica straight into {@code target} (e.g. a
   * client's shared buffer): one memory copy from a local segment; a remote replica's bytes arrive first.
   */
  public Future<Void> readInto(ReplicaLocation replica, long offsetInValue, MemorySegment target) {
    if (target.byteSize() > Integer.MAX_VALUE) {
      return Future.failedFuture(new TransferException(ErrorCode.INVALID_PARAMS, "read of " + target.byteSize()));
    }
    if (isLocal(replica)) {
      try {
        local.read(replica.offset() + offsetInValue, target);
        return Future.succeededFuture();
      } catch (IndexOutOfBoundsException e) {
        return Future.failedFuture(new TransferException(ErrorCode.INVALID_PARAMS, e.getMessage()));
      } catch (IllegalStateException closed) { // the node is shutting down: its segment is gone
        return Future.failedFuture(new TransferException(ErrorCode.TRANSFER_FAIL, closed.getMessage()));
      }
    }
    return read(replica, offsetInValue, (int) target.byteSize()).map(bytes -> {
      try {
        MemorySegment.copy(MemorySegment.ofBuffer(bytes.nioBuffer()), 0, target, 0, target.byteSize());
      } finally {
        bytes.release();
      }
      return null;
    });
  }

  /** The memory replicas in the order a reader should try them: this node's first, then the others as listed. */
  public List<ReplicaLocation> readOrder(List<ReplicaLocation> replicas) {
    List<ReplicaLocation> out = new ArrayList<>(replicas.size());
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
