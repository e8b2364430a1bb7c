package io.kvcache.api;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.kvcache.app.KvStoreOptions;
import io.kvcache.bus.Addresses;
import io.kvcache.bus.BusErrors;
import io.kvcache.proto.bus.KeyResult;
import io.kvcache.proto.bus.ReplicationOp;
import io.kvcache.proto.bus.TaskCreate;
import io.kvcache.proto.bus.TaskCreated;
import io.kvcache.proto.bus.TaskQuery;
import io.kvcache.proto.bus.TaskState;
import io.kvcache.proto.v1.*;
import io.kvcache.replica.KeyCodec;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;

/**
 * The replication RPCs: client-driven COPY/MOVE (the calling connection is the task's client) and the master-driven
 * task API. Invalid keys are refused with INVALID_PARAMS before reaching the master.
 *
 * <p>Not thread-safe: one per gateway verticle.
 */
final class ReplicationHandlers {
  private final KvStoreOptions options;
  private final MetadataClient metadata;
  private final Vertx vertx;
  private final DeliveryOptions delivery;
  private final GatewayMetrics metrics;

  ReplicationHandlers(KvStoreOptions options, MetadataClient metadata, Vertx vertx, DeliveryOptions delivery,
                      GatewayMetrics metrics) {
    this.options = options;
    this.metadata = metadata;
    this.vertx = vertx;
    this.delivery = delivery;
    this.metrics = metrics;
  }

  Future<ReplicationStartReply> copyStart(long client, CopyStartRequest r) {
    return start("copy_start", client, r.getNamespace(), r.getKey(), ReplicationOp.newBuilder()
        .setOp(ReplicationOp.Op.COPY_START).setSourceSegment(r.getSourceSegment())
        .addAllTargetSegments(r.getTargetSegmentsList()));
  }

  Future<ReplicationStartReply> moveStart(long client, MoveStartRequest r) {
    return start("move_start", client, r.getNamespace(), r.getKey(), ReplicationOp.newBuilder()
        .setOp(ReplicationOp.Op.MOVE_START).setSourceSegment(r.getSourceSegment())
        .addTargetSegments(r.getTargetSegment()));
  }

  Future<ReplicationEndReply> finish(String op, ReplicationOp.Op shardOp, long client, ReplicationKey r) {
    return replicate(op, client, r.getNamespace(), r.getKey(), ReplicationOp.newBuilder().setOp(shardOp))
        .map(result -> ReplicationEndReply.newBuilder().setCode(result.getCode()).build());
  }

  private Future<ReplicationStartReply> start(String op, long client, String namespace, String key,
                                              ReplicationOp.Builder body) {
    return replicate(op, client, namespace, key, body).map(result -> {
      ReplicationStartReply.Builder reply = ReplicationStartReply.newBuilder().setCode(result.getCode());
      if (result.getCode() == ErrorCode.OK) {
        reply.setSource(result.getReplicas(0)).addAllTargets(result.getReplicasList().subList(1, result.getReplicasCount()));
      }
      return reply.build();
    });
  }

  private Future<KeyResult> replicate(String op, long client, String namespace, String key, ReplicationOp.Builder body) {
    if (KeyCodec.validate(namespace, key, options.maxKeySize()) != null) {
      metrics.record(op, 1, 1);
      return Future.succeededFuture(KeyResult.newBuilder().setCode(ErrorCode.INVALID_PARAMS).build());
    }
    byte[] encoded = KeyCodec.encode(namespace, key);
    return metadata.toShardOf(encoded, body.setClient(client).setKey(ByteString.copyFrom(encoded)).build())
        .transform(ar -> {
          KeyResult result = ar.succeeded() ? (KeyResult) ar.result()
              : KeyResult.newBuilder().setCode(BusErrors.codeOf(ar.cause())).build();
          metrics.record(op, 1, result.getCode() == ErrorCode.OK ? 0 : 1);
          return Future.succeededFuture(result);
        });
  }

  Future<CreateTaskReply> createCopyTask(CreateCopyTaskRequest r) {
    return createTask(r.getNamespace(), r.getKey(), TaskCreate.newBuilder().setMove(false)
        .addAllTargetSegments(r.getTargetSegmentsList()));
  }

  Future<CreateTaskReply> createMoveTask(CreateMoveTaskRequest r) {
    return createTask(r.getNamespace(), r.getKey(), TaskCreate.newBuilder().setMove(true)
        .setSourceSegment(r.getSourceSegment()).addTargetSegments(r.getTargetSegment()));
  }

  private Future<CreateTaskReply> createTask(String namespace, String key, TaskCreate.Builder body) {
    if (KeyCodec.validate(namespace, key, options.maxKeySize()) != null) {
      return Future.succeededFuture(CreateTaskReply.newBuilder().setCode(ErrorCode.INVALID_PARAMS).build());
    }
    byte[] encoded = KeyCodec.encode(namespace, key);
    return metadata.master().info().compose(info -> {
      body.setKey(ByteString.copyFrom(encoded)).setShard(KeyCodec.shardOf(KeyCodec.hash(encoded), info.getReplicaShards()));
      return vertx.eventBus().<Message>request(Addresses.TASKS, body.build(), delivery);
    }).transform(ar -> {
      TaskCreated created = ar.succeeded() ? (TaskCreated) ar.result().body()
          : TaskCreated.newBuilder().setCode(BusErrors.codeOf(ar.cause())).build();
      return Future.succeededFuture(CreateTaskReply.newBuilder().setCode(created.getCode())
          .setTaskId(created.getTaskId()).build());
    });
  }

  Future<QueryTaskReply> queryTask(QueryTaskRequest r) {
    return vertx.eventBus().<Message>request(Addresses.TASKS, TaskQuery.newBuilder().setTaskId(r.getTaskId()).build(),
        delivery).transform(ar -> {
          TaskState state = ar.succeeded() ? (TaskState) ar.result().body()
              : TaskState.newBuilder().setCode(BusErrors.codeOf(ar.cause())).build();
          return Future.succeededFuture(QueryTaskReply.newBuilder().setCode(state.getCode()).setStatus(state.getStatus())
              .setMessage(state.getMessage()).setAssignedNode(state.getAssignedNode()).build());
        });
  }
}
