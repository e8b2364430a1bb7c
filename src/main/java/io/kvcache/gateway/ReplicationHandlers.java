package io.kvcache.gateway;

import io.kvcache.metadata.Metadata;
import io.kvcache.metadata.ObjectKey;
import io.kvcache.proto.v1.CreateCopyTaskRequest;
import io.kvcache.proto.v1.CreateMoveTaskRequest;
import io.kvcache.proto.v1.CreateTaskReply;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.QueryTaskReply;
import io.kvcache.proto.v1.QueryTaskRequest;
import io.kvcache.replica.KeyCodec;
import io.vertx.core.Future;

import java.util.List;

/**
 * The master-driven replication task API (CreateCopyTask, CreateMoveTask, QueryTask). Invalid keys are refused with
 * INVALID_PARAMS before reaching the master. Client-driven copy and move are {@link TwoPhaseHandlers}' (the client moves
 * the bytes there).
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

  Future<CreateTaskReply> createCopyTask(CreateCopyTaskRequest r) {
    return createTask(false, r.getNamespace(), r.getKey(), "", r.getTargetSegmentsList());
  }

  Future<CreateTaskReply> createMoveTask(CreateMoveTaskRequest r) {
    return createTask(true, r.getNamespace(), r.getKey(), r.getSourceSegment(), List.of(r.getTargetSegment()));
  }

  private Future<CreateTaskReply> createTask(boolean move, String namespace, String key, String source,
                                             List<String> targets) {
    String op = move ? "create_move_task" : "create_copy_task";
    if (KeyCodec.validate(namespace, key, options.maxKeySize()) != null) {
      metrics.record(op, 1, 1);
      return Future.succeededFuture(CreateTaskReply.newBuilder().setCode(ErrorCode.INVALID_PARAMS).build());
    }
    return metadata.createTask(move, ObjectKey.of(namespace, key), source, targets).map(created -> {
      metrics.record(op, 1, created.isOk() ? 0 : 1);
      return CreateTaskReply.newBuilder().setCode(created.code()).setTaskId(created.isOk() ? created.value() : "")
          .build();
    });
  }

  Future<QueryTaskReply> queryTask(QueryTaskRequest r) {
    return metadata.queryTask(r.getTaskId()).map(t -> QueryTaskReply.newBuilder().setCode(t.code())
        .setStatus(t.status()).setMessage(t.message()).setAssignedNode(t.assignedNode()).build());
  }
}
