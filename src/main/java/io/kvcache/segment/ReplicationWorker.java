package io.kvcache.segment;

import io.kvcache.util.Tokens;
import com.google.protobuf.Message;
import io.kvcache.app.NodeContext;
import io.kvcache.bus.Addresses;
import io.kvcache.bus.BusErrors;
import io.kvcache.proto.bus.KeyResult;
import io.kvcache.proto.bus.ReplicationOp;
import io.kvcache.proto.bus.TaskAssignment;
import io.kvcache.proto.bus.TaskAssignments;
import io.kvcache.proto.bus.TaskComplete;
import io.kvcache.proto.bus.TaskFetch;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.ReplicaDescriptor;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

import java.util.List;
import java.util.logging.Logger;

/**
 * Runs the master's copy/move tasks on the storage node that holds their source: fetches this node's tasks every
 * heartbeat interval, and for each one starts the copy or move on the object's shard (which pins the source and
 * reserves the targets), reads the source from this node's segment, writes every target, ends the task — or revokes it
 * on any failure — and reports the outcome with the task's token.
 */
public final class ReplicationWorker extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(ReplicationWorker.class.getName());
  private static final int FETCH_MAX = 16;

  private final NodeContext node;
  private final long client = Tokens.random64(); // this worker's identity towards the shards
  private SliceTransfer slices;
  private long timer = -1;
  private boolean busy;

  public ReplicationWorker(NodeContext node) {
    this.node = node;
  }

  @Override
  public Future<?> start() {
    slices = new SliceTransfer(node);
    timer = vertx.setPeriodic(node.options().heartbeatIntervalMs(), id -> poll());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  private void poll() {
    String token = node.sessionToken();
    if (busy || token == null) {
      return;
    }
    busy = true;
    TaskFetch fetch = TaskFetch.newBuilder().setNodeId(node.nodeId()).setToken(token).setMax(FETCH_MAX).build();
    vertx.eventBus().<Message>request(Addresses.TASKS, fetch, node.requestOptions())
        .compose(reply -> runAll(((TaskAssignments) reply.body()).getTasksList(), 0, token))
        .onComplete(ignored -> busy = false);
  }

  private Future<Void> runAll(List<TaskAssignment> tasks, int next, String token) {
    if (next == tasks.size()) {
      return Future.succeededFuture();
    }
    TaskAssignment task = tasks.get(next);
    return run(task).transform(ar -> report(task, token, ar.succeeded() ? ErrorCode.OK : SliceTransfer.codeOf(ar.cause())))
        .compose(ignored -> runAll(tasks, next + 1, token));
  }

  /** Start → copy the bytes → end; any failure after the start revokes the task on the shard. */
  private Future<Void> run(TaskAssignment task) {
    ReplicationOp.Builder op = ReplicationOp.newBuilder().setClient(client).setKey(task.getKey())
        .setSourceSegment(task.getSourceSegment()).addAllTargetSegments(task.getTargetSegmentsList());
    return shardOp(task, op.setOp(task.getMove() ? ReplicationOp.Op.MOVE_START : ReplicationOp.Op.COPY_START))
        .compose(started -> {
          ReplicaDescriptor source = started.getReplicas(0);
          List<ReplicaDescriptor> targets = started.getReplicasList().subList(1, started.getReplicasCount());
          return slices.read(source, 0, (int) started.getSize())
              .compose(bytes -> slices.writeAll(targets, 0, bytes))
              .compose(copied -> shardOp(task, op.setOp(task.getMove() ? ReplicationOp.Op.MOVE_END : ReplicationOp.Op.COPY_END)))
              .<Void>mapEmpty()
              .recover(failure -> shardOp(task, op.setOp(task.getMove() ? ReplicationOp.Op.MOVE_REVOKE
                  : ReplicationOp.Op.COPY_REVOKE)).transform(ignored -> Future.failedFuture(failure)));
        });
  }

  /** One replication op on the object's shard; fails with the shard's error code. */
  private Future<KeyResult> shardOp(TaskAssignment task, ReplicationOp.Builder op) {
    return vertx.eventBus().<Message>request(Addresses.replica(task.getShard()), op.build(), node.requestOptions())
        .transform(ar -> {
          ErrorCode code = ar.failed() ? BusErrors.codeOf(ar.cause()) : ((KeyResult) ar.result().body()).getCode();
          return code == ErrorCode.OK ? Future.succeededFuture((KeyResult) ar.result().body())
              : Future.failedFuture(new SliceTransfer.TransferException(code, op.getOp() + " refused"));
        });
  }

  private Future<Void> report(TaskAssignment task, String token, ErrorCode outcome) {
    if (outcome != ErrorCode.OK) {
      LOG.warning("task " + task.getTaskId() + " failed: " + outcome);
    }
    TaskComplete done = TaskComplete.newBuilder().setNodeId(node.nodeId()).setToken(token).setTaskId(task.getTaskId())
        .setTaskToken(task.getTaskToken()).setSuccess(outcome == ErrorCode.OK).setMessage(outcome.name()).build();
    return vertx.eventBus().request(Addresses.TASKS, done, node.requestOptions()).mapEmpty();
  }
}
