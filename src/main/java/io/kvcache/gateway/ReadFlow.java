package io.kvcache.gateway;

import io.netty.buffer.ByteBuf;
import io.kvcache.metadata.KeyReplicas;
import io.kvcache.metadata.ReplicaLocation;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.replica.MillisClock;
import io.kvcache.storage.DataTransfer;
import io.vertx.core.Future;

import java.util.List;
import java.util.function.Function;

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
    int size = (int) listed.size();
    return withinLease(fromFirstReadable(listed, memory -> data.read(memory, 0, size),
        disk -> ssd.readOne(disk.nodeId(), key, size).onSuccess(b -> servedFromSsd(key, b))), leaseStartMs, leaseTtlMs);
  }

  /**
   * Reads with {@code fromMemory} from this node's memory replica first, then from each other memory replica in turn if
   * one cannot be read (its node is gone, the transfer failed), then with {@code fromDisk} from the SSD replica: a read
   * fails only when no readable replica could serve it (REPLICA_IS_NOT_READY when there is none at all).
   */
  <T> Future<T> fromFirstReadable(KeyReplicas listed, Function<ReplicaLocation, Future<T>> fromMemory,
                                  Function<ReplicaLocation, Future<T>> fromDisk) {
    List<ReplicaLocation> memory = data.readOrder(listed.replicas());
    ReplicaLocation disk = listed.firstDisk();
    if (memory.isEmpty() && disk == null) {
      return Future.failedFuture(new DataTransfer.TransferException(ErrorCode.REPLICA_IS_NOT_READY, "no replica"));
    }
    return fromReplica(memory, 0, disk, fromMemory, fromDisk);
  }

  private <T> Future<T> fromReplica(List<ReplicaLocation> memory, int next, ReplicaLocation disk,
                                    Function<ReplicaLocation, Future<T>> fromMemory,
                                    Function<ReplicaLocation, Future<T>> fromDisk) {
    if (next == memory.size()) {
      return disk == null
          ? Future.failedFuture(new DataTransfer.TransferException(ErrorCode.TRANSFER_FAIL, "no replica could be read"))
          : fromDisk.apply(disk);
    }
    Future<T> read = fromMemory.apply(memory.get(next));
    if (next == memory.size() - 1 && disk == null) {
      return read; // the last chance: its own failure is the answer
    }
    return read.recover(failure -> fromReplica(memory, next + 1, disk, fromMemory, fromDisk));
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
