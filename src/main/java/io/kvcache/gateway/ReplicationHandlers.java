package io.kvcache.gateway;

import io.kvcache.gateway.grpc.CallContext;
import io.kvcache.metadata.Metadata;
import io.kvcache.metadata.ObjectKey;
import io.kvcache.metadata.ReplicationKind;
import io.kvcache.proto.v1.CopyStartRequest;
import io.kvcache.proto.v1.CreateCopyTaskRequest;
import io.kvcache.proto.v1.CreateMoveTaskRequest;
import io.kvcache.proto.v1.CreateTaskReply;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.MoveStartRequest;
import io.kvcache.proto.v1.QueryTaskReply;
import io.kvcache.proto.v1.QueryTaskRequest;
import io.kvcache.proto.v1.ReplicationEndReply;
import io.kvcache.proto.v1.ReplicationKey;
import io.kvcache.proto.v1.ReplicationStartReply;
import io.kvcache.replica.KeyCodec;
import io.vertx.core.Future;

import java.util.List;

/**
 * The replication RPCs: client-driven COPY/MOVE (the calling connection is the task's client) and the master-driven
 * task API. Invalid keys are refused with INVALID_PARAMS before reaching the master.
 *
 * <p>Not thread-safe: one per gateway verticle.
 */
final class ReplicationHandlers {
  private final GatewayOptions options;
  private final Metadata metadata;
  private final GatewayMetrics metrics;

  ReplicationHandlers(GatewayOptions options, Metadata metadata, GatewayMetrics metrics) {
    this.options = options;
    this.metadata = metadata;
    this.metrics = metrics;
  }

  Future<ReplicationStartReply> copyStart(CallContext call, CopyStartRequest r) {
    return start("copy_start", ReplicationKind.COPY, call, r.getNamespace(), r.getKey(), r.getSourceSegment(),
        r.getTargetSegmentsList());
  }

  Future<ReplicationStartReply> moveStart(CallContext call, MoveStartRequest r) {
    return start("move_start", ReplicationKind.MOVE, call, r.getNamespace(), r.getKey(), r.getSourceSegment(),
        List.of(r.getTargetSegment()));
  }

  private Future<ReplicationStartReply> start(String op, ReplicationKind kind, CallContext call, String namespace,
                                              String key, String source, List<String> targets) {
    if (KeyCodec.validate(namespace, key, options.maxKeySize()) != null) {
      metrics.record(op, 1, 1);
      return Future.succeededFuture(ReplicationStartReply.newBuilder().setCode(ErrorCode.INVALID_PARAMS).build());
    }
    return metadata.startReplication(kind, call.client(), ObjectKey.of(namespace, key), source, targets)
        .map(started -> {
          metrics.record(op, 1, started.isOk() ? 0 : 1);
          ReplicationStartReply.Builder reply = ReplicationStartReply.newBuilder().setCode(started.code());
          if (started.isOk()) {
            reply.setSource(started.value().source().toDescriptor());
            started.value().targets().forEach(t -> reply.addTargets(t.toDescriptor()));
          }
          return reply.build();
        });
  }

  /** CopyEnd, CopyRevoke, MoveEnd, MoveRevoke. */
  Future<ReplicationEndReply> finish(String op, ReplicationKind kind, boolean commit, CallContext call,
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

  Future<CreateTaskReply> createCopyTask(CreateCopyTaskRequest r) {
    return createTask(false, r.getNamespace(), r.getKey(), "", r.getTargetSegmentsList());
  }

  Future<CreateTaskReply> createMoveTask(CreateMoveTaskRequest r) {
    return createTask(true, r.getNamespace(), r.getKey(), r.getSourceSegment(), List.of(r.getTargetSegment()));
  }

  private Future<CreateTaskReply> createTask(boolean move, String namespace, String key, String source,
                                             List<String> targets) {
    if (KeyCodec.validate(namespace, key, options.maxKeySize()) != null) {
      return Future.succeededFuture(CreateTaskReply.newBuilder().setCode(ErrorCode.INVALID_PARAMS).build());
    }
    return metadata.createTask(move, ObjectKey.of(namespace, key), source, targets).map(created ->
        CreateTaskReply.newBuilder().setCode(created.code()).setTaskId(created.isOk() ? created.value() : "").build());
  }

  Future<QueryTaskReply> queryTask(QueryTaskRequest r) {
    return metadata.queryTask(r.getTaskId()).map(t -> QueryTaskReply.newBuilder().setCode(t.code())
        .setStatus(t.status()).setMessage(t.message()).setAssignedNode(t.assignedNode()).build());
  }
}
