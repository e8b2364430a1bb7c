package io.kvcache.gateway;

import com.google.protobuf.ByteString;
import io.kvcache.metadata.KeyReplicas;
import io.kvcache.metadata.ReplicaLocation;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.replica.MillisClock;
import io.kvcache.storage.DataTransfer;
import io.vertx.core.Future;

import java.util.List;

/**
 * Reads a value once its replica list is known — from memory (this node's replica first, then each other memory
 * replica in turn if one cannot be read) or, when no memory replica could serve it, through the SSD-holding node's load
 * buffers (then optionally promoted back into DRAM) — and enforces the lease: if the
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

  /** The bytes of one key ({@code key} encoded); fails with a TransferException carrying the key's error code. */
  Future<ByteString> read(KeyReplicas listed, byte[] key, long leaseStartMs, long leaseTtlMs) {
    if (!listed.isOk()) {
      return Future.failedFuture(new DataTransfer.TransferException(listed.code(), "no readable replica"));
    }
    if (listed.size() > Integer.MAX_VALUE) {
      return Future.failedFuture(new DataTransfer.TransferException(ErrorCode.INVALID_PARAMS, "value too large"));
    }
    List<ReplicaLocation> memory = data.readOrder(listed.replicas());
    ReplicaLocation disk = listed.firstDisk();
    if (memory.isEmpty() && disk == null) {
      return Future.failedFuture(new DataTransfer.TransferException(ErrorCode.REPLICA_IS_NOT_READY, "no replica"));
    }
    return withinLease(fromReplica(memory, 0, disk, key, (int) listed.size()), leaseStartMs, leaseTtlMs);
  }

  /**
   * Reads memory replica {@code next} of {@code memory}; if it cannot be read (its node is gone, the transfer failed),
   * the next one, then the SSD replica: a get fails only when no readable replica could serve it.
   */
  private Future<ByteString> fromReplica(List<ReplicaLocation> memory, int next, ReplicaLocation disk, byte[] key,
                                         int size) {
    if (next == memory.size()) {
      return disk == null
          ? Future.failedFuture(new DataTransfer.TransferException(ErrorCode.TRANSFER_FAIL, "no replica could be read"))
          : ssd.readOne(disk.nodeId(), key, size).onSuccess(b -> servedFromSsd(key, b));
    }
    Future<ByteString> read = data.read(memory.get(next), 0, size);
    if (next == memory.size() - 1 && disk == null) {
      return read; // the last chance: its own failure is the answer
    }
    return read.recover(failure -> fromReplica(memory, next + 1, disk, key, size));
  }

  /** Fails with LEASE_EXPIRED if the bytes arrived after the lease ran out. */
  Future<ByteString> withinLease(Future<ByteString> bytes, long leaseStartMs, long leaseTtlMs) {
    return bytes.compose(b -> clock.nowMs() - leaseStartMs >= leaseTtlMs
        ? Future.failedFuture(new DataTransfer.TransferException(ErrorCode.LEASE_EXPIRED, "lease expired during read"))
        : Future.succeededFuture(b));
  }

  /** Counts an SSD read and, with promotion on hit, copies the value back into DRAM (without delaying the reply). */
  void servedFromSsd(byte[] key, ByteString bytes) {
    metrics.ssdReads.increment();
    metrics.ssdReadBytes.increment(bytes.size());
    promoter.promote(key, bytes);
  }
}
