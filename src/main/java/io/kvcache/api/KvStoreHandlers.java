package io.kvcache.api;

import io.kvcache.bus.BusErrors;
import io.kvcache.segment.SliceTransfer;
import com.google.protobuf.ByteString;
import io.kvcache.app.KvStoreOptions;
import io.kvcache.proto.bus.KeyResult;
import io.kvcache.proto.bus.ShardCount;
import io.kvcache.proto.bus.ShardKeys;
import io.kvcache.proto.bus.ShardRemoveAll;
import io.kvcache.proto.bus.ShardWriteCheck;
import io.kvcache.proto.v1.*;
import io.kvcache.replica.KeyCodec;
import io.vertx.core.Future;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.StatusException;

import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The unary RPCs of the KvStore service: validation, then metadata on the shards and bytes through the data path.
 * Bad input gets INVALID_PARAMS (per key in batches) and reaches no shard.
 *
 * <p>Not thread-safe: one per gateway verticle.
 */
final class KvStoreHandlers {
  private final KvStoreOptions options;
  private final MetadataClient metadata;
  private final SliceTransfer data;
  private final PutFlow puts;
  private final ReadFlow reads;
  private final GatewayMetrics metrics;

  KvStoreHandlers(KvStoreOptions options, MetadataClient metadata, SliceTransfer data, ReadFlow reads,
                  GatewayMetrics metrics) {
    this.options = options;
    this.metadata = metadata;
    this.data = data;
    this.puts = new PutFlow(metadata, data, options.putFullRetries());
    this.reads = reads;
    this.metrics = metrics;
  }

  PutFlow puts() {
    return puts;
  }

  Future<PutReply> put(long writer, PutRequest r) {
    String invalid = KeyCodec.validate(r.getNamespace(), r.getKey(), options.maxKeySize());
    if (invalid == null && (r.getValue().isEmpty() || r.getValue().size() > options.maxValueSize())) {
      invalid = "value of " + r.getValue().size() + " bytes is outside [1, " + options.maxValueSize() + "]";
    }
    if (invalid != null) {
      metrics.record("put", 1, 1);
      return Future.succeededFuture(PutReply.newBuilder().setCode(ErrorCode.INVALID_PARAMS).setMessage(invalid).build());
    }
    byte[] key = KeyCodec.encode(r.getNamespace(), r.getKey());
    return puts.put(writer, List.of(key), List.of(r.getValue()), r.getConfig()).map(codes -> {
      metrics.record("put", 1, codes[0] == ErrorCode.OK ? 0 : 1);
      if (codes[0] == ErrorCode.OK) {
        metrics.bytesIn.increment(r.getValue().size());
      }
      return PutReply.newBuilder().setCode(codes[0]).build();
    });
  }

  Future<GetReply> get(GetRequest r) {
    if (KeyCodec.validate(r.getNamespace(), r.getKey(), options.maxKeySize()) != null) {
      metrics.record("get", 1, 1);
      return Future.succeededFuture(GetReply.newBuilder().setCode(ErrorCode.INVALID_PARAMS).build());
    }
    long start = reads.clock().nowMs();
    byte[] key = KeyCodec.encode(r.getNamespace(), r.getKey());
    return metadata.keys(ShardKeys.Op.REPLICA_LIST, 0, List.of(key))
        .compose(lists -> reads.read(lists.results()[0], key, start, lists.leaseTtlMs())
            .transform(ar -> {
              GetReply.Builder reply = GetReply.newBuilder().setLeaseTtlMs(lists.leaseTtlMs());
              if (ar.succeeded()) {
                metrics.bytesOut.increment(ar.result().size());
                reply.setCode(ErrorCode.OK).setValue(ar.result());
              } else {
                reply.setCode(SliceTransfer.codeOf(ar.cause()));
              }
              metrics.record("get", 1, ar.succeeded() ? 0 : 1);
              return Future.succeededFuture(reply.build());
            }));
  }

  Future<BatchExistsReply> batchExists(BatchExistsRequest r) {
    KeyBatch batch = checkedBatch(r.getNamespace(), r.getKeysList());
    return metadata.exists(batch.encoded).map(hits -> {
      BatchExistsReply.Builder reply = BatchExistsReply.newBuilder().setLeaseTtlMs(options.leaseTtlMs());
      ErrorCode[] codes = new ErrorCode[hits.length];
      for (int i = 0; i < hits.length; i++) {
        codes[i] = hits[i] ? ErrorCode.OK : ErrorCode.OBJECT_NOT_FOUND;
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
    return removeKeys("batch_remove", checkedBatch(r.getNamespace(), r.getKeysList()), r.getForce())
        .map(codes -> BatchRemoveReply.newBuilder().addAllCodes(List.of(codes)).build());
  }

  private Future<ErrorCode[]> removeKeys(String op, KeyBatch batch, boolean force) {
    ShardKeys.Op shardOp = force ? ShardKeys.Op.REMOVE_FORCE : ShardKeys.Op.REMOVE;
    return metadata.keys(shardOp, 0, batch.encoded).map(results -> {
      batch.merge(codes(results));
      metrics.record(op, batch.size(), batch.failures());
      return batch.codes;
    });
  }

  Future<RemoveAllReply> removeAll(RemoveAllRequest r) {
    return metadata.toAllShards(ShardRemoveAll.newBuilder().setForce(r.getForce()).build()).map(replies -> {
      long removed = replies.stream().mapToLong(m -> ((ShardCount) m).getCount()).sum();
      metrics.record("remove_all", 1, 0);
      return RemoveAllReply.newBuilder().setRemoved(removed).build();
    });
  }

  /** Removes the namespace's keys that match {@code regex} (substring search); an invalid regex is INVALID_PARAMS. */
  Future<RemoveByRegexReply> removeByRegex(RemoveByRegexRequest r) {
    try {
      Pattern.compile(r.getRegex());
    } catch (PatternSyntaxException e) {
      metrics.record("remove_by_regex", 1, 1);
      return Future.succeededFuture(RemoveByRegexReply.newBuilder().setCode(ErrorCode.INVALID_PARAMS).build());
    }
    ShardRemoveAll body = ShardRemoveAll.newBuilder().setForce(r.getForce()).setRegex(r.getRegex()).setInNamespace(true)
        .setNamespacePrefix(com.google.protobuf.ByteString.copyFrom(KeyCodec.namespacePrefix(r.getNamespace()))).build();
    return metadata.toAllShards(body).map(replies -> {
      metrics.record("remove_by_regex", 1, 0);
      long removed = replies.stream().mapToLong(m -> ((ShardCount) m).getCount()).sum();
      return RemoveByRegexReply.newBuilder().setCode(ErrorCode.OK).setRemoved(removed).build();
    });
  }

  Future<PutStartReply> putStart(long writer, PutStartRequest r) {
    String invalid = KeyCodec.validate(r.getNamespace(), r.getKey(), options.maxKeySize());
    if (invalid == null && (r.getValueSize() <= 0 || r.getValueSize() > options.maxValueSize())) {
      invalid = "value_size " + r.getValueSize() + " is outside [1, " + options.maxValueSize() + "]";
    }
    if (invalid != null) {
      metrics.record("put_start", 1, 1);
      return Future.succeededFuture(
          PutStartReply.newBuilder().setCode(ErrorCode.INVALID_PARAMS).setMessage(invalid).build());
    }
    byte[] key = KeyCodec.encode(r.getNamespace(), r.getKey());
    return metadata.putStart(writer, List.of(key), new long[] {r.getValueSize()}, r.getConfig()).map(results -> {
      KeyResult result = results.results()[0];
      metrics.record("put_start", 1, result.getCode() == ErrorCode.OK ? 0 : 1);
      return PutStartReply.newBuilder().setCode(result.getCode()).addAllReplicas(result.getReplicasList()).build();
    });
  }

  Future<WriteSliceReply> writeSlice(long writer, WriteSliceRequest r) {
    if (KeyCodec.validate(r.getNamespace(), r.getKey(), options.maxKeySize()) != null || r.getData().isEmpty()) {
      metrics.record("write_slice", 1, 1);
      return Future.succeededFuture(WriteSliceReply.newBuilder().setCode(ErrorCode.INVALID_PARAMS).build());
    }
    byte[] key = KeyCodec.encode(r.getNamespace(), r.getKey());
    ShardWriteCheck check = ShardWriteCheck.newBuilder().setWriter(writer).setKey(ByteString.copyFrom(key))
        .setReplicaId(r.getReplicaId()).setOffset(r.getOffset()).setLength(r.getData().size()).build();
    return metadata.toShardOf(key, check).transform(ar -> {
      ErrorCode refused = ar.failed() ? BusErrors.codeOf(ar.cause()) : ((KeyResult) ar.result()).getCode();
      if (refused != ErrorCode.OK) {
        return Future.succeededFuture(refused);
      }
      return data.write(((KeyResult) ar.result()).getReplicas(0), r.getOffset(), r.getData())
          .transform(done -> Future.succeededFuture(done.succeeded() ? ErrorCode.OK : SliceTransfer.codeOf(done.cause())));
    }).map(code -> {
      metrics.record("write_slice", 1, code == ErrorCode.OK ? 0 : 1);
      return WriteSliceReply.newBuilder().setCode(code).build();
    });
  }

  Future<PutEndReply> putEnd(long writer, PutEndRequest r) {
    return singleKey("put_end", ShardKeys.Op.PUT_END, writer, r.getNamespace(), r.getKey())
        .map(result -> PutEndReply.newBuilder().setCode(result.getCode()).build());
  }

  Future<PutRevokeReply> putRevoke(long writer, PutRevokeRequest r) {
    return singleKey("put_revoke", ShardKeys.Op.PUT_REVOKE, writer, r.getNamespace(), r.getKey())
        .map(result -> PutRevokeReply.newBuilder().setCode(result.getCode()).build());
  }

  Future<GetReplicaListReply> getReplicaList(GetReplicaListRequest r) {
    return singleKeyResults("get_replica_list", ShardKeys.Op.REPLICA_LIST, 0, r.getNamespace(), r.getKey())
        .map(results -> GetReplicaListReply.newBuilder().setCode(results.code(0))
            .addAllReplicas(results.results()[0].getReplicasList()).setLeaseTtlMs(results.leaseTtlMs()).build());
  }

  Future<ReadSliceReply> readSlice(ReadSliceRequest r) {
    long start = reads.clock().nowMs();
    return singleKeyResults("read_slice", ShardKeys.Op.REPLICA_LIST, 0, r.getNamespace(), r.getKey())
        .compose(results -> {
          KeyResult listed = results.results()[0];
          if (listed.getCode() != ErrorCode.OK) {
            return Future.succeededFuture(ReadSliceReply.newBuilder().setCode(listed.getCode()).build());
          }
          ReplicaDescriptor replica = listed.getReplicasList().stream()
              .filter(d -> d.getReplicaId() == r.getReplicaId()).findFirst().orElse(null);
          if (replica == null) {
            return Future.succeededFuture(ReadSliceReply.newBuilder().setCode(ErrorCode.REPLICA_NOT_FOUND).build());
          }
          if (r.getOffset() < 0 || r.getLength() <= 0 || r.getLength() > Integer.MAX_VALUE
              || r.getOffset() > listed.getSize() - r.getLength()) {
            return Future.succeededFuture(ReadSliceReply.newBuilder().setCode(ErrorCode.INVALID_PARAMS).build());
          }
          return data.read(replica, r.getOffset(), (int) r.getLength()).transform(ar -> {
            ErrorCode code = ar.failed() ? SliceTransfer.codeOf(ar.cause())
                : reads.clock().nowMs() - start >= results.leaseTtlMs() ? ErrorCode.LEASE_EXPIRED : ErrorCode.OK;
            ReadSliceReply.Builder reply = ReadSliceReply.newBuilder().setCode(code);
            if (code == ErrorCode.OK) {
              reply.setData(ar.result());
            }
            return Future.succeededFuture(reply.build());
          });
        });
  }

  private Future<KeyResult> singleKey(String op, ShardKeys.Op shardOp, long writer, String namespace, String key) {
    return singleKeyResults(op, shardOp, writer, namespace, key).map(results -> results.results()[0]);
  }

  private Future<ShardResults> singleKeyResults(String op, ShardKeys.Op shardOp, long writer, String namespace,
                                                String key) {
    if (KeyCodec.validate(namespace, key, options.maxKeySize()) != null) {
      metrics.record(op, 1, 1);
      return Future.succeededFuture(new ShardResults(
          new KeyResult[] {KeyResult.newBuilder().setCode(ErrorCode.INVALID_PARAMS).build()}, 0));
    }
    return metadata.keys(shardOp, writer, List.of(KeyCodec.encode(namespace, key))).map(results -> {
      metrics.record(op, 1, results.code(0) == ErrorCode.OK ? 0 : 1);
      return results;
    });
  }

  /** Validates the batch length (a malformed call fails with INVALID_ARGUMENT) and encodes its keys. */
  KeyBatch checkedBatch(String namespace, List<String> keys) {
    if (keys.size() > options.maxBatchSize()) {
      throw new StatusException(GrpcStatus.INVALID_ARGUMENT,
          "batch of " + keys.size() + " keys exceeds max_batch_size " + options.maxBatchSize());
    }
    return KeyBatch.of(namespace, keys, options.maxKeySize());
  }

  static ErrorCode[] codes(ShardResults results) {
    ErrorCode[] codes = new ErrorCode[results.size()];
    for (int i = 0; i < codes.length; i++) {
      codes[i] = results.code(i);
    }
    return codes;
  }
}
