package io.kvcache.gateway;

import io.kvcache.metadata.Metadata;
import io.kvcache.proto.v1.BatchExistsReply;
import io.kvcache.proto.v1.BatchExistsRequest;
import io.kvcache.proto.v1.BatchRemoveReply;
import io.kvcache.proto.v1.BatchRemoveRequest;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.RemoveAllReply;
import io.kvcache.proto.v1.RemoveAllRequest;
import io.kvcache.proto.v1.RemoveByRegexReply;
import io.kvcache.proto.v1.RemoveByRegexRequest;
import io.kvcache.proto.v1.RemoveReply;
import io.kvcache.proto.v1.RemoveRequest;
import io.vertx.core.Future;

import java.util.List;

/**
 * Existence probes and removal: BatchExists (per-key flags and the leading hits a prefix-cache probe wants), Remove,
 * BatchRemove, RemoveAll and RemoveByRegex.
 *
 * <p>Not thread-safe: one per gateway verticle.
 */
final class KeyHandlers {
  private final GatewayOptions options;
  private final Metadata metadata;
  private final GatewayMetrics metrics;

  KeyHandlers(GatewayOptions options, Metadata metadata, GatewayMetrics metrics) {
    this.options = options;
    this.metadata = metadata;
    this.metrics = metrics;
  }

  Future<BatchExistsReply> batchExists(BatchExistsRequest r) {
    KeyBatch batch = Validation.checkedBatch(options, r.getNamespace(), r.getKeysList());
    return metadata.exists(batch.keys).map(found -> {
      BatchExistsReply.Builder reply = BatchExistsReply.newBuilder().setLeaseTtlMs(found.leaseTtlMs());
      ErrorCode[] codes = new ErrorCode[found.hits().length];
      for (int i = 0; i < codes.length; i++) {
        codes[i] = found.hits()[i] ? ErrorCode.OK : ErrorCode.OBJECT_NOT_FOUND;
      }
      batch.merge(codes);
      boolean leading = true;
      int leadingHits = 0;
      int misses = 0;
      for (ErrorCode code : batch.codes) {
        boolean hit = code == ErrorCode.OK;
        reply.addExists(hit);
        leading &= hit;
        leadingHits += leading ? 1 : 0;
        misses += hit ? 0 : 1;
      }
      metrics.record("batch_exists", batch.size(), misses);
      return reply.setLeadingHits(leadingHits).build();
    });
  }

  Future<RemoveReply> remove(RemoveRequest r) {
    return removeKeys("remove", KeyBatch.of(r.getNamespace(), List.of(r.getKey()), options.maxKeySize()), r.getForce())
        .map(codes -> RemoveReply.newBuilder().setCode(codes[0]).build());
  }

  Future<BatchRemoveReply> batchRemove(BatchRemoveRequest r) {
    return removeKeys("batch_remove", Validation.checkedBatch(options, r.getNamespace(), r.getKeysList()), r.getForce())
        .map(codes -> BatchRemoveReply.newBuilder().addAllCodes(List.of(codes)).build());
  }

  private Future<ErrorCode[]> removeKeys(String op, KeyBatch batch, boolean force) {
    return metadata.remove(batch.keys, force).map(codes -> {
      batch.merge(codes);
      metrics.record(op, batch.size(), batch.failures());
      return batch.codes;
    });
  }

  /** Removes the request's namespace, or every namespace with {@code all_namespaces}. */
  Future<RemoveAllReply> removeAll(RemoveAllRequest r) {
    return metadata.removeAll(r.getNamespace(), r.getAllNamespaces(), r.getForce()).map(removal -> {
      metrics.record("remove_all", 1, removal.isOk() ? 0 : 1);
      return RemoveAllReply.newBuilder().setCode(removal.code()).setRemoved(removal.removed())
          .setMessage(removal.message()).build();
    });
  }

  /**
   * Removes the namespace's keys that match {@code regex} (RE2 syntax, substring search); an invalid regex is
   * INVALID_PARAMS, a scan over budget BUDGET_EXCEEDED, each with a message.
   */
  Future<RemoveByRegexReply> removeByRegex(RemoveByRegexRequest r) {
    return metadata.removeByRegex(r.getNamespace(), r.getRegex(), r.getForce()).map(removal -> {
      metrics.record("remove_by_regex", 1, removal.isOk() ? 0 : 1);
      return RemoveByRegexReply.newBuilder().setCode(removal.code()).setRemoved(removal.removed())
          .setMessage(removal.message()).build();
    });
  }
}
