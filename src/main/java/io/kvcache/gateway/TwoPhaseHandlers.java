package io.kvcache.gateway;

import io.kvcache.gateway.grpc.CallContext;
import io.kvcache.metadata.KeyReplicas;
import io.kvcache.metadata.Metadata;
import io.kvcache.metadata.ObjectKey;
import io.kvcache.metadata.ReplicaLists;
import io.kvcache.metadata.ReplicaLocation;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.GetReplicaListReply;
import io.kvcache.proto.v1.GetReplicaListRequest;
import io.kvcache.proto.v1.PutEndReply;
import io.kvcache.proto.v1.PutEndRequest;
import io.kvcache.proto.v1.PutRevokeReply;
import io.kvcache.proto.v1.PutRevokeRequest;
import io.kvcache.proto.v1.PutStartReply;
import io.kvcache.proto.v1.PutStartRequest;
import io.kvcache.proto.v1.ReadSliceReply;
import io.kvcache.proto.v1.ReadSliceRequest;
import io.kvcache.proto.v1.WriteSliceReply;
import io.kvcache.proto.v1.WriteSliceRequest;
import io.kvcache.replica.KeyCodec;
import io.kvcache.storage.DataTransfer;
import io.vertx.core.Future;

import java.util.List;

/**
 * The two-phase put (PutStart, WriteSlice, PutEnd, PutRevoke; only the connection that started a put may write, end or
 * revoke it) and the replica-level reads (GetReplicaList, ReadSlice) for clients that move bytes themselves.
 *
 * <p>Not thread-safe: one per gateway verticle.
 */
final class TwoPhaseHandlers {
  private final GatewayOptions options;
  private final Metadata metadata;
  private final DataTransfer data;
  private final ReadFlow reads;
  private final GatewayMetrics metrics;

  TwoPhaseHandlers(GatewayOptions options, Metadata metadata, DataTransfer data, ReadFlow reads,
                   GatewayMetrics metrics) {
    this.options = options;
    this.metadata = metadata;
    this.data = data;
    this.reads = reads;
    this.metrics = metrics;
  }

  Future<PutStartReply> putStart(CallContext call, PutStartRequest r) {
    String invalid = KeyCodec.validate(r.getNamespace(), r.getKey(), options.maxKeySize());
    if (invalid == null && (r.getValueSize() <= 0 || r.getValueSize() > options.maxValueSize())) {
      invalid = "value_size " + r.getValueSize() + " is outside [1, " + options.maxValueSize() + "]";
    }
    if (invalid != null) {
      metrics.record("put_start", 1, 1);
      return Future.succeededFuture(
          PutStartReply.newBuilder().setCode(ErrorCode.INVALID_PARAMS).setMessage(invalid).build());
    }
    ObjectKey key = ObjectKey.of(r.getNamespace(), r.getKey());
    return metadata.putStart(call.client(), List.of(key), new long[] {r.getValueSize()}, r.getConfig()).map(results -> {
      KeyReplicas result = results[0];
      metrics.record("put_start", 1, result.isOk() ? 0 : 1);
      PutStartReply.Builder reply = PutStartReply.newBuilder().setCode(result.code());
      result.replicas().forEach(loc -> reply.addReplicas(loc.toDescriptor()));
      return reply.build();
    });
  }

  Future<WriteSliceReply> writeSlice(CallContext call, WriteSliceRequest r) {
    if (KeyCodec.validate(r.getNamespace(), r.getKey(), options.maxKeySize()) != null || r.getData().isEmpty()) {
      metrics.record("write_slice", 1, 1);
      return Future.succeededFuture(WriteSliceReply.newBuilder().setCode(ErrorCode.INVALID_PARAMS).build());
    }
    ObjectKey key = ObjectKey.of(r.getNamespace(), r.getKey());
    return metadata.writeTarget(call.client(), key, r.getReplicaId(), r.getOffset(), r.getData().size())
        .compose(target -> !target.isOk() ? Future.succeededFuture(target.code())
            : data.write(target.value(), r.getOffset(), r.getData()).transform(done -> Future.succeededFuture(
                done.succeeded() ? ErrorCode.OK : DataTransfer.codeOf(done.cause()))))
        .map(code -> {
          metrics.record("write_slice", 1, code == ErrorCode.OK ? 0 : 1);
          return WriteSliceReply.newBuilder().setCode(code).build();
        });
  }

  Future<PutEndReply> putEnd(CallContext call, PutEndRequest r) {
    return oneKey("put_end", r.getNamespace(), r.getKey(), key -> metadata.putEnd(call.client(), List.of(key)))
        .map(code -> PutEndReply.newBuilder().setCode(code).build());
  }

  Future<PutRevokeReply> putRevoke(CallContext call, PutRevokeRequest r) {
    return oneKey("put_revoke", r.getNamespace(), r.getKey(), key -> metadata.putRevoke(call.client(), List.of(key)))
        .map(code -> PutRevokeReply.newBuilder().setCode(code).build());
  }

  private Future<ErrorCode> oneKey(String op, String namespace, String key,
                                   java.util.function.Function<ObjectKey, Future<ErrorCode[]>> call) {
    if (KeyCodec.validate(namespace, key, options.maxKeySize()) != null) {
      metrics.record(op, 1, 1);
      return Future.succeededFuture(ErrorCode.INVALID_PARAMS);
    }
    return call.apply(ObjectKey.of(namespace, key)).map(codes -> {
      metrics.record(op, 1, codes[0] == ErrorCode.OK ? 0 : 1);
      return codes[0];
    });
  }

  Future<GetReplicaListReply> getReplicaList(GetReplicaListRequest r) {
    return leased("get_replica_list", r.getNamespace(), r.getKey()).map(lists -> {
      GetReplicaListReply.Builder reply = GetReplicaListReply.newBuilder().setCode(lists.get(0).code())
          .setLeaseTtlMs(lists.leaseTtlMs());
      lists.get(0).replicas().forEach(loc -> reply.addReplicas(loc.toDescriptor()));
      return reply.build();
    });
  }

  Future<ValueReplies.SliceResult> readSlice(ReadSliceRequest r) {
    long start = reads.clock().nowMs();
    return leased("read_slice", r.getNamespace(), r.getKey()).compose(lists -> {
      KeyReplicas listed = lists.get(0);
      if (!listed.isOk()) {
        return Future.succeededFuture(slice(listed.code()));
      }
      ReplicaLocation replica = listed.replicas().stream()
          .filter(d -> d.replicaId() == r.getReplicaId()).findFirst().orElse(null);
      if (replica == null) {
        return Future.succeededFuture(slice(ErrorCode.REPLICA_NOT_FOUND));
      }
      if (r.getOffset() < 0 || r.getLength() <= 0 || r.getLength() > Integer.MAX_VALUE
          || r.getOffset() > listed.size() - r.getLength()) {
        return Future.succeededFuture(slice(ErrorCode.INVALID_PARAMS));
      }
      return reads.withinLease(data.read(replica, r.getOffset(), (int) r.getLength()), start, lists.leaseTtlMs())
          .transform(ar -> Future.succeededFuture(ar.succeeded()
              ? new ValueReplies.SliceResult(ReadSliceReply.newBuilder().setCode(ErrorCode.OK).build(), ar.result())
              : slice(DataTransfer.codeOf(ar.cause()))));
    });
  }

  private static ValueReplies.SliceResult slice(ErrorCode code) {
    return new ValueReplies.SliceResult(ReadSliceReply.newBuilder().setCode(code).build(), null);
  }

  /** The readable replicas of one key under a read lease (an invalid key: INVALID_PARAMS, no lease). */
  private Future<ReplicaLists> leased(String op, String namespace, String key) {
    if (KeyCodec.validate(namespace, key, options.maxKeySize()) != null) {
      metrics.record(op, 1, 1);
      return Future.succeededFuture(new ReplicaLists(new KeyReplicas[] {KeyReplicas.failed(ErrorCode.INVALID_PARAMS)},
          0));
    }
    return metadata.replicas(List.of(ObjectKey.of(namespace, key))).map(lists -> {
      metrics.record(op, 1, lists.get(0).isOk() ? 0 : 1);
      return lists;
    });
  }
}
