package io.kvcache.api;

import io.kvcache.segment.SliceTransfer;
import com.google.protobuf.ByteString;
import io.kvcache.proto.bus.KeyResult;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.ReplicaDescriptor;
import io.kvcache.replica.MillisClock;
import io.vertx.core.Future;

/**
 * Reads a value once its replica list is known, and enforces the lease: if the transfer finishes after the lease that
 * protected it ran out (reference item 52), the bytes are discarded and the key reports LEASE_EXPIRED — they may have
 * been evicted and overwritten while we copied.
 */
final class ReadFlow {
  private final SliceTransfer data;
  private final MillisClock clock;

  ReadFlow(SliceTransfer data, MillisClock clock) {
    this.data = data;
    this.clock = clock;
  }

  MillisClock clock() {
    return clock;
  }

  /** The bytes of one key; fails with a {@link SliceTransfer.TransferException} carrying the key's error code. */
  Future<ByteString> read(KeyResult listed, long leaseStartMs, long leaseTtlMs) {
    if (listed.getCode() != ErrorCode.OK) {
      return Future.failedFuture(new SliceTransfer.TransferException(listed.getCode(), "no readable replica"));
    }
    ReplicaDescriptor replica = data.choose(listed.getReplicasList());
    if (replica == null) {
      return Future.failedFuture(new SliceTransfer.TransferException(ErrorCode.REPLICA_IS_NOT_READY, "no memory replica"));
    }
    if (listed.getSize() > Integer.MAX_VALUE) {
      return Future.failedFuture(new SliceTransfer.TransferException(ErrorCode.INVALID_PARAMS, "value too large"));
    }
    return data.read(replica, 0, (int) listed.getSize()).compose(bytes ->
        clock.nowMs() - leaseStartMs >= leaseTtlMs
            ? Future.failedFuture(new SliceTransfer.TransferException(ErrorCode.LEASE_EXPIRED, "lease expired during read"))
            : Future.succeededFuture(bytes));
  }
}
