package io.kvcache.gateway;

import io.netty.buffer.ByteBuf;
import io.kvcache.metadata.KeyReplicas;
import io.kvcache.metadata.ReplicaLocation;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.replica.MillisClock;
import io.kvcache.storage.DataTransfer;
import io.vertx.core.Future;

/**
 * Reads a value once its replica list is known — from memory (this node's replica first) or, when only an SSD holds it,
 * through the owning node's load buffers (then optionally promoted back into DRAM) — and enforces the lease: if the
 * transfer finishes after the lease that protected it ran out (reference item 52), the bytes are discarded and the key
 * reports LEASE_EXPIRED, since they may have been evicted and overwritten while we copied.
 *
 * <p>Not thread-safe: one per gateway verticle.
 */
final class ReadFlow {
  private final DataTransfer data;
  private final SsdReader ssd;
  private final Promoter promoter;
  private final MillisClock clock;
  private final GatewayMetrics metrics;

  ReadFlow(DataTransfer data, SsdReader ssd, Promoter promoter, MillisClock clock, GatewayMetrics metrics) {
    this.data = data;
    this.ssd = ssd;
    this.promoter = promoter;
    this.clock = clock;
    this.metrics = metrics;
  }

  MillisClock clock() {
    return clock;
  }

  SsdReader ssd() {
    return ssd;
  }

  /**
   * The bytes of one key ({@code key} encoded), in a pooled direct buffer the caller owns; fails with a TransferException
   * carrying the key's error code.
   */
  Future<ByteBuf> read(KeyReplicas listed, byte[] key, long leaseStartMs, long leaseTtlMs) {
    if (!listed.isOk()) {
      return Future.failedFuture(new DataTransfer.TransferException(listed.code(), "no readable replica"));
    }
    if (listed.size() > Integer.MAX_VALUE) {
      return Future.failedFuture(new DataTransfer.TransferException(ErrorCode.INVALID_PARAMS, "value too large"));
    }
    ReplicaLocation memory = data.choose(listed.replicas());
    Future<ByteBuf> bytes;
    if (memory != null) {
      bytes = data.read(memory, 0, (int) listed.size());
    } else {
      ReplicaLocation disk = listed.firstDisk();
      if (disk == null) {
        return Future.failedFuture(new DataTransfer.TransferException(ErrorCode.REPLICA_IS_NOT_READY, "no replica"));
      }
      bytes = ssd.readOne(disk.nodeId(), key, listed.size()).onSuccess(b -> servedFromSsd(key, b));
    }
    return withinLease(bytes, leaseStartMs, leaseTtlMs);
  }

  /** Fails with LEASE_EXPIRED (and frees the bytes) if they arrived after the lease ran out. */
  Future<ByteBuf> withinLease(Future<ByteBuf> bytes, long leaseStartMs, long leaseTtlMs) {
    return bytes.compose(b -> {
      if (clock.nowMs() - leaseStartMs >= leaseTtlMs) {
        b.release();
        return Future.failedFuture(new DataTransfer.TransferException(ErrorCode.LEASE_EXPIRED,
            "lease expired during read"));
      }
      return Future.succeededFuture(b);
    });
  }

  /** Counts an SSD read and, with promotion on hit, copies the value back into DRAM (without delaying the reply). */
  void servedFromSsd(byte[] key, ByteBuf bytes) {
    metrics.ssdReads.increment();
    metrics.ssdReadBytes.increment(bytes.readableBytes());
    promoter.promote(key, bytes);
  }
}
