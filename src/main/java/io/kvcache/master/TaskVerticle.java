package io.kvcache.master;

import com.google.protobuf.ByteString;
import io.kvcache.alloc.LocalDisk;
import io.kvcache.alloc.LocalDiskRegistry;
import io.kvcache.alloc.NodeLiveness;
import io.kvcache.bus.Addresses;
import io.kvcache.proto.bus.DiskObjects;
import io.kvcache.proto.bus.DiskObjectsReply;
import io.kvcache.proto.bus.TaskAssignment;
import io.kvcache.proto.bus.TaskAssignments;
import io.kvcache.proto.bus.TaskFetch;
import io.kvcache.proto.bus.TaskOutcome;
import io.kvcache.proto.bus.TaskReport;
import io.kvcache.proto.bus.TaskReportReply;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.replica.KeyCodec;
import io.kvcache.replica.MillisClock;
import io.kvcache.tasks.Task;
import io.kvcache.tasks.TaskBoard;
import io.kvcache.tasks.TaskSpec;
import io.kvcache.util.Result;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;

import java.util.ArrayList;
import java.util.List;

/**
 * The master's end of the one task channel ({@link Addresses#tasks}): storage nodes fetch their tasks (offloads,
 * deletions, copies and moves), report outcomes, and report their SSD contents (re-registration after a restart, and
 * keys their SSD evicted). Every call must carry the node's session token; an outcome is applied only if its task was
 * handed to that node with that task token — otherwise it is refused and counted, and nothing changes. Tasks past their
 * deadline are retried or failed every second (a failed offload's pin is released).
 */
public final class TaskVerticle extends VerticleBase {
  private static final long EXPIRY_INTERVAL_MS = 1000;

  private final TaskBoard board;
  private final NodeLiveness liveness;
  private final LocalDiskRegistry disks;
  private final MasterShards shards;
  private final MasterMetrics metrics;
  private final MillisClock clock;
  private long expiryTimer = -1;

  private final MasterFence fence;

  public TaskVerticle(TaskBoard board, NodeLiveness liveness, LocalDiskRegistry disks, MasterShards shards,
                      MasterMetrics metrics, MillisClock clock, MasterFence fence) {
    this.fence = fence;
    this.board = board;
    this.liveness = liveness;
    this.disks = disks;
    this.shards = shards;
    this.metrics = metrics;
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    expiryTimer = vertx.setPeriodic(EXPIRY_INTERVAL_MS, id -> {
      if (fence.serving().getAsBoolean()) {
        board.expire(clock.nowMs()).forEach(this::releasePin);
      }
    });
    MessageConsumer<com.google.protobuf.Message> consumer = vertx.eventBus().consumer(Addresses.tasks(fence.nodeId()), this::onMessage);
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(expiryTimer);
    return Future.succeededFuture();
  }

  private void onMessage(Message<com.google.protobuf.Message> msg) {
    if (!fence.admit(msg)) {
      return;
    }
    switch (msg.body()) {
      case TaskFetch f -> fence.reply(msg, liveness.authentic(f.getNodeId(), f.getToken()) ? fetch(f)
          : TaskAssignments.newBuilder().setCode(ErrorCode.ILLEGAL_CLIENT).build());
      case TaskReport r -> fence.reply(msg, liveness.authentic(r.getNodeId(), r.getToken()) ? report(r)
          : TaskReportReply.newBuilder().setCode(ErrorCode.ILLEGAL_CLIENT).setRefused(r.getOutcomesCount()).build());
      case DiskObjects d -> fence.reply(msg, liveness.authentic(d.getNodeId(), d.getToken()) ? diskObjects(d)
          : DiskObjectsReply.newBuilder().setCode(ErrorCode.ILLEGAL_CLIENT).build());
      default -> msg.fail(ErrorCode.INVALID_PARAMS_VALUE, "unexpected body " + msg.body().getClass().getSimpleName());
    }
  }

  private TaskAssignments fetch(TaskFetch f) {
    TaskAssignments.Builder out = TaskAssignments.newBuilder().setCode(ErrorCode.OK);
    for (Task t : board.fetch(f.getNodeId(), Math.max(1, f.getMax()), clock.nowMs())) {
      TaskAssignment.Builder a = TaskAssignment.newBuilder().setTaskId(t.id()).setTaskToken(t.token())
          .setKey(ByteString.copyFrom(t.spec().key()));
      switch (t.spec()) {
        case TaskSpec.Offload o -> a.setKind(TaskAssignment.Kind.OFFLOAD).setOffset(o.offset()).setSize(o.size());
        case TaskSpec.Replicate r -> a.setKind(r.move() ? TaskAssignment.Kind.MOVE : TaskAssignment.Kind.COPY)
            .setSourceSegment(r.sourceSegment()).addAllTargetSegments(r.targetSegments());
        case TaskSpec.Delete d -> a.setKind(TaskAssignment.Kind.DELETE);
      }
      out.addTasks(a);
    }
    return out.build();
  }

  private TaskReportReply report(TaskReport r) {
    LocalDisk disk = disks.get(r.getNodeId());
    int accepted = 0;
    int refused = 0;
    for (TaskOutcome outcome : r.getOutcomesList()) {
      Result<Task> done = board.complete(r.getNodeId(), outcome.getTaskId(), outcome.getTaskToken(),
          outcome.getSuccess(), outcome.getMessage());
      if (!done.isOk()) {
        refused++;
        continue;
      }
      accepted++;
      if (done.value().spec() instanceof TaskSpec.Offload o) {
        byte[] key = o.key();
        shards.call(o.shard(), s -> s.offload().complete(key, KeyCodec.hash(key), o.pinId(), disk,
            outcome.getSuccess()));
        metrics.offloaded(outcome.getSuccess(), o.size());
      }
    }
    return TaskReportReply.newBuilder().setCode(refused == 0 ? ErrorCode.OK : ErrorCode.ILLEGAL_CLIENT)
        .setAccepted(accepted).setRefused(refused).build();
  }

  private void releasePin(Task failedOffload) {
    if (failedOffload.spec() instanceof TaskSpec.Offload o) {
      shards.call(o.shard(), s -> s.pins().release(o.pinId()));
    }
  }

  /** Re-registered or SSD-evicted objects, applied shard by shard (one step per shard and page). */
  private DiskObjectsReply diskObjects(DiskObjects d) {
    LocalDisk disk = disks.get(d.getNodeId());
    if (disk == null) {
      return DiskObjectsReply.newBuilder().setCode(ErrorCode.UNABLE_OFFLOAD).build();
    }
    if (d.getKeysCount() != d.getSizesCount() && !d.getEvicted()) {
      return DiskObjectsReply.newBuilder().setCode(ErrorCode.INVALID_PARAMS).build();
    }
    List<List<Integer>> byShard = new ArrayList<>();
    for (int s = 0; s < shards.count(); s++) {
      byShard.add(new ArrayList<>());
    }
    for (int i = 0; i < d.getKeysCount(); i++) {
      byShard.get(KeyCodec.shardOf(KeyCodec.hash(d.getKeys(i).toByteArray()), shards.count())).add(i);
    }
    int applied = 0;
    for (int s = 0; s < shards.count(); s++) {
      List<Integer> mine = byShard.get(s);
      if (mine.isEmpty()) {
        continue;
      }
      applied += shards.call(s, shard -> {
        if (d.getEvicted()) {
          return shard.offload().dropDiskReplicas(d.getNodeId(),
              mine.stream().map(i -> d.getKeys(i).toByteArray()).toList());
        }
        int ok = 0;
        for (int i : mine) {
          byte[] key = d.getKeys(i).toByteArray();
          ok += shard.offload().register(key, KeyCodec.hash(key), d.getSizes(i), disk) == ErrorCode.OK ? 1 : 0;
        }
        return ok;
      });
    }
    return DiskObjectsReply.newBuilder().setCode(ErrorCode.OK).setApplied(applied).build();
  }
}
