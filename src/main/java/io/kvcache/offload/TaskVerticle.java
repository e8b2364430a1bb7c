package io.kvcache.offload;

import com.google.protobuf.ByteString;
import io.kvcache.alloc.NodeLiveness;
import io.kvcache.alloc.Segment;
import io.kvcache.app.NodeContext;
import io.kvcache.bus.Addresses;
import io.kvcache.proto.bus.KeyResult;
import io.kvcache.proto.bus.ShardKeys;
import io.kvcache.proto.bus.ShardReply;
import io.kvcache.proto.bus.TaskAssignment;
import io.kvcache.proto.bus.TaskAssignments;
import io.kvcache.proto.bus.TaskComplete;
import io.kvcache.proto.bus.TaskCreate;
import io.kvcache.proto.bus.TaskCreated;
import io.kvcache.proto.bus.TaskFetch;
import io.kvcache.proto.bus.TaskQuery;
import io.kvcache.proto.bus.TaskState;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.ReplicaDescriptor;
import io.kvcache.proto.v1.ReplicaType;
import io.kvcache.replica.MillisClock;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The copy/move task board on the event bus ({@link Addresses#TASKS}): gateways create and query tasks; storage nodes
 * fetch theirs and report completion, both authenticated by the node's session token (and a completion by the task's
 * own token, so no caller can finish a task it was not given).
 */
public final class TaskVerticle extends VerticleBase {
  static final int TASK_LIMIT = 10_000;
  static final long TASK_TIMEOUT_MS = 300_000;
  static final int TASK_ATTEMPTS = 10;

  private final NodeContext node;
  private final TaskBoard board = new TaskBoard(TASK_LIMIT, TASK_TIMEOUT_MS, TASK_ATTEMPTS);
  private final MillisClock clock = MillisClock.MONOTONIC;
  private Runnable stopListening = () -> {};
  private long expiryTimer = -1;

  public TaskVerticle(NodeContext node) {
    this.node = node;
  }

  @Override
  public Future<?> start() {
    expiryTimer = vertx.setPeriodic(1000, id -> board.expire(clock.nowMs()));
    stopListening = node.membership().onNodeLeft(n -> context.runOnContext(ignored -> board.nodeGone(n)));
    MessageConsumer<com.google.protobuf.Message> consumer = vertx.eventBus().consumer(Addresses.TASKS, this::onMessage);
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    stopListening.run();
    vertx.cancelTimer(expiryTimer);
    return Future.succeededFuture();
  }

  private void onMessage(Message<com.google.protobuf.Message> msg) {
    NodeLiveness liveness = node.nodeLiveness();
    switch (msg.body()) {
      case TaskCreate c -> create(c).onComplete(ar -> msg.reply(ar.succeeded() ? ar.result()
          : TaskCreated.newBuilder().setCode(ErrorCode.RPC_FAIL).build()));
      case TaskFetch f -> {
        if (!liveness.authentic(f.getNodeId(), f.getToken())) {
          msg.reply(TaskAssignments.newBuilder().setCode(ErrorCode.ILLEGAL_CLIENT).build());
          return;
        }
        TaskAssignments.Builder out = TaskAssignments.newBuilder().setCode(ErrorCode.OK);
        for (TaskBoard.Task t : board.fetch(f.getNodeId(), Math.max(1, f.getMax()), clock.nowMs())) {
          out.addTasks(TaskAssignment.newBuilder().setTaskId(t.id()).setTaskToken(t.token())
              .setMove(t.spec().move()).setKey(ByteString.copyFrom(t.spec().key())).setShard(t.spec().shard())
              .setSourceSegment(t.spec().sourceSegment()).addAllTargetSegments(t.spec().targetSegments()));
        }
        msg.reply(out.build());
      }
      case TaskComplete c -> msg.reply(TaskState.newBuilder().setCode(!liveness.authentic(c.getNodeId(), c.getToken())
          ? ErrorCode.ILLEGAL_CLIENT
          : board.complete(c.getNodeId(), c.getTaskId(), c.getTaskToken(), c.getSuccess(), c.getMessage())).build());
      case TaskQuery q -> {
        TaskBoard.Task t = board.query(q.getTaskId());
        msg.reply(t == null ? TaskState.newBuilder().setCode(ErrorCode.TASK_NOT_FOUND).build()
            : TaskState.newBuilder().setCode(ErrorCode.OK).setStatus(t.status()).setMessage(t.message())
                .setAssignedNode(t.node()).build());
      }
      default -> msg.fail(400, "unexpected body " + msg.body().getClass().getSimpleName());
    }
  }

  /** Validates the targets, picks the source (a random readable memory replica for a copy) and queues the task. */
  private Future<TaskCreated> create(TaskCreate c) {
    if (c.getTargetSegmentsCount() == 0 || (c.getMove() && c.getSourceSegment().isEmpty())) {
      return Future.succeededFuture(created(ErrorCode.INVALID_PARAMS, ""));
    }
    for (String target : c.getTargetSegmentsList()) {
      Segment s = node.segmentRegistry().byName(target);
      if (s == null) {
        return Future.succeededFuture(created(ErrorCode.INVALID_PARAMS, ""));
      }
      if (!s.isAllocatable()) {
        return Future.succeededFuture(created(ErrorCode.UNAVAILABLE_IN_CURRENT_STATUS, ""));
      }
    }
    ShardKeys describe = ShardKeys.newBuilder().setOp(ShardKeys.Op.DESCRIBE).addKeys(c.getKey()).build();
    return vertx.eventBus().<com.google.protobuf.Message>request(Addresses.replica(c.getShard()), describe,
        node.requestOptions()).map(reply -> {
          KeyResult object = ((ShardReply) reply.body()).getResults(0);
          if (object.getCode() != ErrorCode.OK) {
            return created(object.getCode(), "");
          }
          List<ReplicaDescriptor> memory = object.getReplicasList().stream()
              .filter(r -> r.getType() == ReplicaType.MEMORY
                  && (c.getSourceSegment().isEmpty() || r.getSegmentName().equals(c.getSourceSegment())))
              .toList();
          if (memory.isEmpty()) {
            return created(ErrorCode.REPLICA_NOT_FOUND, "");
          }
          ReplicaDescriptor source = memory.get(ThreadLocalRandom.current().nextInt(memory.size()));
          TaskBoard.Task task = board.create(source.getNodeId(), new TaskBoard.TaskSpec(c.getMove(),
              c.getKey().toByteArray(), c.getShard(), source.getSegmentName(), c.getTargetSegmentsList()));
          return task == null ? created(board.lastError(), "") : created(ErrorCode.OK, task.id());
        });
  }

  private static TaskCreated created(ErrorCode code, String id) {
    return TaskCreated.newBuilder().setCode(code).setTaskId(id).build();
  }
}
