package io.kvcache.api;

import io.kvcache.util.Tokens;
import com.google.protobuf.ByteString;
import io.kvcache.proto.bus.KeyResult;
import io.kvcache.proto.bus.ReplicationOp;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.segment.SliceTransfer;
import io.vertx.core.Future;

import java.util.List;

/**
 * Promotion on hit ({@code promotion_on_hit}): after a read served from SSD, the value is copied back into DRAM —
 * a memory replica reserved on the object's shard (this node's segment preferred), written, then published. Runs beside
 * the reply, never delays it; a failure only leaves the object SSD-only.
 *
 * <p>Not thread-safe: one per gateway verticle.
 */
final class Promoter {
  private final boolean enabled;
  private final MetadataClient metadata;
  private final SliceTransfer data;
  private final String localSegment;
  private final long client = Tokens.random64(); // this gateway's identity as the promotion's writer

  Promoter(boolean enabled, MetadataClient metadata, SliceTransfer data, String localSegment) {
    this.enabled = enabled;
    this.metadata = metadata;
    this.data = data;
    this.localSegment = localSegment;
  }

  void promote(byte[] key, ByteString bytes) {
    if (!enabled) {
      return;
    }
    ReplicationOp.Builder op = ReplicationOp.newBuilder().setClient(client)
        .setKey(com.google.protobuf.ByteString.copyFrom(key)).addAllTargetSegments(List.of(localSegment));
    metadata.toShardOf(key, op.setOp(ReplicationOp.Op.PROMOTE_START).build()).compose(reply -> {
      KeyResult started = (KeyResult) reply;
      if (started.getCode() != ErrorCode.OK || started.getReplicasCount() < 2) {
        return Future.succeededFuture();
      }
      return data.write(started.getReplicas(1), 0, bytes)
          .compose(written -> metadata.toShardOf(key, op.setOp(ReplicationOp.Op.COPY_END).build()))
          .recover(failure -> metadata.toShardOf(key, op.setOp(ReplicationOp.Op.COPY_REVOKE).build()));
    });
  }
}
