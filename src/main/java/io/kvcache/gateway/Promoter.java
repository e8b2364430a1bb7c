package io.kvcache.gateway;

import com.google.protobuf.UnsafeByteOperations;
import io.netty.buffer.ByteBuf;
import io.kvcache.metadata.Metadata;
import io.kvcache.metadata.ObjectKey;
import io.kvcache.metadata.ReplicationKind;
import io.kvcache.storage.DataTransfer;
import io.kvcache.util.Tokens;
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
  private final Metadata metadata;
  private final DataTransfer data;
  private final String localSegment;
  private final long client = Tokens.random64(); // this gateway's identity as the promotion's writer

  Promoter(boolean enabled, Metadata metadata, DataTransfer data, String localSegment) {
    this.enabled = enabled;
    this.metadata = metadata;
    this.data = data;
    this.localSegment = localSegment;
  }

  /** Copies {@code bytes} (not taken: the promotion keeps its own reference while it writes) back into DRAM. */
  void promote(byte[] key, ByteBuf bytes) {
    if (!enabled) {
      return;
    }
    ByteBuf mine = bytes.retainedDuplicate();
    ObjectKey k = ObjectKey.of(key);
    metadata.startReplication(ReplicationKind.PROMOTE, client, k, "", List.of(localSegment)).compose(started -> {
      if (!started.isOk() || started.value().targets().isEmpty()) {
        return Future.succeededFuture();
      }
      return data.write(started.value().targets().get(0), 0, UnsafeByteOperations.unsafeWrap(mine.nioBuffer()))
          .compose(written -> metadata.finishReplication(ReplicationKind.PROMOTE, true, client, k))
          .recover(failure -> metadata.finishReplication(ReplicationKind.PROMOTE, false, client, k));
    }).onComplete(ignored -> mine.release());
  }
}
