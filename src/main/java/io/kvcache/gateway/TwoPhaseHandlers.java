package io.kvcache.gateway;

import io.kvcache.gateway.grpc.CallContext;
import io.kvcache.metadata.KeyReplicas;
import io.kvcache.metadata.Metadata;
import io.kvcache.metadata.ObjectKey;
import io.kvcache.metadata.ReplicaLists;
import io.kvcache.metadata.ReplicaLocation;
import io.kvcache.metadata.ReplicationKind;
import io.kvcache.proto.v1.CopyStartRequest;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.GetReplicaListReply;
import io.kvcache.proto.v1.GetReplicaListRequest;
import io.kvcache.proto.v1.MoveStartRequest;
import io.kvcache.proto.v1.PutEndReply;
import io.kvcache.proto.v1.PutEndRequest;
import io.kvcache.proto.v1.PutRevokeReply;
import io.kvcache.proto.v1.PutRevokeRequest;
import io.kvcache.proto.v1.PutStartReply;
import io.kvcache.proto.v1.PutStartRequest;
import io.kvcache.proto.v1.ReadSliceReply;
import io.kvcache.proto.v1.ReadSliceRequest;
import io.kvcache.proto.v1.ReplicationEndReply;
import io.kvcache.proto.v1.ReplicationKey;
import io.kvcache.proto.v1.ReplicationStartReply;
import io.kvcache.proto.v1.WriteSliceReply;
import io.kvcache.proto.v1.WriteSliceRequest;
import io.kvcache.replica.KeyCodec;
import io.kvcache.storage.DataTransfer;
import io.vertx.core.Future;

import java.util.List;
import java.util.function.Supplier;

/**
 * The calls of clients that move bytes themselves: the two-phase put (PutStart, WriteSlice, PutEnd, PutRevoke),
 * client-driven copy and move (CopyStart/End/Revoke, MoveStart/End/Revoke) and the replica-level reads
 * (GetReplicaList, ReadSlice). Only the connection that started a put, copy or move may write, end or revoke it; the
 * replicas it is to write are zero-filled before it learns where they are.
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
    return metadata.putStart(call.client(), List.of(key), new long[] {r.getValueSize()}, r.getConfig())
        .compose(results -> {
          KeyReplicas result = results[0];
          Future<ErrorCode> ready = !result.isOk() ? Future.succeededFuture(result.code())
              : blank(result.replicas(), () -> metadata.putRevoke(call.client(), List.of(key)));
          return ready.map(code -> {
            metrics.record("put_start", 1, code == ErrorCode.OK ? 0 : 1);
            PutStartReply.Builder reply = PutStartReply.newBuilder().setCode(code);
            if (code == ErrorCode.OK) {
              result.replicas().forEach(loc -> reply.addReplicas(loc.toDescriptor()));
            }
            return reply.build();
          });
        });
  }

  /**
   * Zero-fills replicas the client will write itself, before it learns where they are: an end (PutEnd, CopyEnd,
   * MoveEnd) may follow with bytes never written, and those then read as zeros, never as what the memory last held
   * (another namespace's object). If the fill fails the reservation is undone with {@code undo} and the fill's code
   * returned. The gateway's own puts write every byte and need none of this.
   */
  private Future<ErrorCode> blank(List<ReplicaLocation> replicas, Supplier<Future<?>> undo) {
    return data.zeroAll(replicas).transform(zeroed -> zeroed.succeeded() ? Future.succeededFuture(ErrorCode.OK)
        : undo.get().transform(ignored -> Future.succeededFuture(DataTransfer.codeOf(zeroed.cause()))));
  }

  Future<ReplicationStartReply> copyStart(CallContext call, CopyStartRequest r) {
    return startReplication("copy_start", ReplicationKind.COPY, call, r.getNamespace(), r.getKey(),
        r.getSourceSegment(), r.getTargetSegmentsList());
  }

  Future<ReplicationStartReply> moveStart(CallContext call, MoveStartRequest r) {
    return startReplication("move_start", ReplicationKind.MOVE, call, r.getNamespace(), r.getKey(),
        r.getSourceSegment(), List.of(r.getTargetSegment()));
  }

  /** Client-driven copy or move: the source is pinned, the targets reserved (invisible) and zero-filled. */
  private Future<ReplicationStartReply> startReplication(String op, ReplicationKind kind, CallContext call,
                                                         String namespace, String key, String source,
                                                         List<String> targets) {
    if (KeyCodec.validate(namespace, key, options.maxKeySize()) != null) {
      metrics.record(op, 1, 1);
      return Future.succeededFuture(ReplicationStartReply.newBuilder().setCode(ErrorCode.INVALID_PARAMS).build());
    }
    ObjectKey k = ObjectKey.of(namespace, key);
    return metadata.startReplication(kind, call.client(), k, source, targets).compose(started -> {
      Future<ErrorCode> ready = !started.isOk() ? Future.succeededFuture(started.code())
          : blank(started.value().targets(), () -> metadata.finishReplication(kind, false, call.client(), k));
      return ready.map(code -> {
        metrics.record(op, 1, code == ErrorCode.OK ? 0 : 1);
        ReplicationStartReply.Builder reply = ReplicationStartReply.newBuilder().setCode(code);
        if (code == ErrorCode.OK) {
          reply.setSource(started.value().source().toDescriptor());
          started.value().targets().forEach(t -> reply.addTargets(t.toDescriptor()));
        }
        return reply.build();
      });
    });
  }

  /** CopyEnd, CopyRevoke, MoveEnd, MoveRevoke. */
  Future<ReplicationEndReply> finishReplication(String op, ReplicationKind kind, boolean commit, CallContext call,
                                                ReplicationKey r) {
    if (KeyCodec.validate(r.getNamespace(), r.getKey(), options.maxKeySize()) != null) {
      metrics.record(op, 1, 1);
      return Future.succeededFuture(ReplicationEndReply.newBuilder().setCode(ErrorCode.INVALID_PARAMS).build());
    }
    return metadata.finishReplication(kind, commit, call.client(), ObjectKey.of(r.getNamespace(), r.getKey()))
        .map(code -> {
          metrics.record(op, 1, code == ErrorCode.OK ? 0 : 1);
          return ReplicationEndReply.newBuilder().setCode(code).build();
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
