package io.kvcache.gateway;

import io.kvcache.util.Tokens;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.kvcache.bus.Addresses;
import io.kvcache.bus.BusErrors;
import io.kvcache.proto.bus.SsdLoadToBuffers;
import io.kvcache.proto.bus.SsdLoadedBatch;
import io.kvcache.proto.bus.SsdReleaseBuffers;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.storage.DataTransfer;
import io.kvcache.ssd.SsdNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;

import java.util.List;

/**
 * Reads objects that only an SSD holds, through the owning node's load buffers: one batch read per node into a batch
 * owned by this gateway, then the bytes — straight from the registered region when the SSD is on this node, over the
 * data connection to that node otherwise (PeerWire LOADED: copied once there, from the region into the reply's direct
 * buffer; the event bus carries only the load and release messages) — then an early release (in-process, or a
 * fire-and-forget message; the node's GC lease is the safety net).
 *
 * <p>Not thread-safe: one per gateway verticle.
 */
final class SsdReader {
  /** A loaded batch on {@code node} (whose data connection authenticates for {@code dataName}): id and outcomes. */
  record Loaded(String node, String dataName, String batchId, ErrorCode[] codes) {}

  private final Vertx vertx;
  private final DeliveryOptions delivery;
  private final String nodeId;
  private final SsdNode localSsd;
  private final DataTransfer data;
  private final String owner;

  /**
   * @param localSsd this node's SSD (node {@code nodeId}), or null
   * @param data the transfers to other nodes (their data connections)
   */
  SsdReader(Vertx vertx, DeliveryOptions delivery, String nodeId, SsdNode localSsd, DataTransfer data) {
    this.vertx = vertx;
    this.delivery = delivery;
    this.nodeId = nodeId;
    this.localSsd = localSsd;
    this.data = data;
    this.owner = nodeId + "/" + Tokens.random128();
  }

  Future<Loaded> load(String ssdNode, List<byte[]> keys, long[] sizes) {
    SsdLoadToBuffers.Builder request = SsdLoadToBuffers.newBuilder().setOwner(owner);
    for (int i = 0; i < keys.size(); i++) {
      request.addKeys(ByteString.copyFrom(keys.get(i))).addSizes(sizes[i]);
    }
    return vertx.eventBus().<Message>request(Addresses.ssd(ssdNode), request.build(), delivery)
        .transform(ar -> {
          if (ar.failed()) {
            return Future.failedFuture(new DataTransfer.TransferException(BusErrors.codeOf(ar.cause()), "SSD load"));
          }
          SsdLoadedBatch batch = (SsdLoadedBatch) ar.result().body();
          if (batch.getCode() != ErrorCode.OK) {
            return Future.failedFuture(new DataTransfer.TransferException(batch.getCode(), "SSD load refused"));
          }
          ErrorCode[] codes = batch.getResultsList().stream().map(r -> r.getCode()).toArray(ErrorCode[]::new);
          return Future.succeededFuture(new Loaded(ssdNode, batch.getDataName(), batch.getBatchId(), codes));
        });
  }

  /**
   * The bytes of object {@code i} of a loaded batch, copied once into a pooled direct buffer the caller owns. A batch
   * that is no longer alive (its lease ran out) fails with LEASE_EXPIRED.
   */
  Future<ByteBuf> bytes(Loaded batch, int i, long size) {
    if (batch.codes()[i] != ErrorCode.OK) {
      return Future.failedFuture(new DataTransfer.TransferException(batch.codes()[i], "not loaded"));
    }
    if (size < 0 || size > Integer.MAX_VALUE) {
      return Future.failedFuture(new DataTransfer.TransferException(ErrorCode.INVALID_PARAMS, "size " + size));
    }
    SsdNode local = localSsd(batch.node());
    if (local != null) {
      ByteBuf out = ByteBufAllocator.DEFAULT.directBuffer((int) size, (int) size);
      ErrorCode copied = local.buffers().copyOut(batch.batchId(), owner, i, out.nioBuffer(0, (int) size));
      if (copied != ErrorCode.OK) {
        out.release();
        return reclaimed();
      }
      return Future.succeededFuture(out.writerIndex((int) size));
    }
    // The serving node answers INVALID_PARAMS for a batch it no longer holds, as copyOut does here.
    return data.readLoaded(batch.node(), batch.dataName(), batch.batchId(), owner, i, (int) size)
        .recover(failure -> failure instanceof DataTransfer.TransferException t && t.code == ErrorCode.INVALID_PARAMS
            ? reclaimed() : Future.failedFuture(failure));
  }

  private static Future<ByteBuf> reclaimed() {
    return Future.failedFuture(new DataTransfer.TransferException(ErrorCode.LEASE_EXPIRED, "batch reclaimed"));
  }

  /** Gives the batch back as soon as its bytes are taken. */
  void release(Loaded batch) {
    SsdNode local = localSsd(batch.node());
    if (local != null) {
      local.buffers().release(batch.batchId(), owner);
    } else {
      vertx.eventBus().send(Addresses.ssd(batch.node()),
          SsdReleaseBuffers.newBuilder().setBatchId(batch.batchId()).setOwner(owner).build());
    }
  }

  /** Load, take the bytes, release: one object. */
  Future<ByteBuf> readOne(String ssdNode, byte[] key, long size) {
    return load(ssdNode, List.of(key), new long[] {size})
        .compose(batch -> bytes(batch, 0, size).onComplete(ignored -> release(batch)));
  }

  private SsdNode localSsd(String ssdNode) {
    return localSsd != null && ssdNode.equals(nodeId) ? localSsd : null;
  }
}
