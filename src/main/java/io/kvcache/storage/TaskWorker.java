package io.kvcache.storage;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.kvcache.bus.Addresses;
import io.kvcache.bus.MasterCalls;
import io.kvcache.metadata.Metadata;
import io.kvcache.metadata.ObjectKey;
import io.kvcache.metadata.ReplicationKind;
import io.kvcache.metadata.ReplicationStart;
import io.kvcache.proto.bus.DiskObjects;
import io.kvcache.proto.bus.DiskObjectsReply;
import io.kvcache.proto.bus.TaskAssignment;
import io.kvcache.proto.bus.TaskAssignments;
import io.kvcache.proto.bus.TaskFetch;
import io.kvcache.proto.bus.TaskOutcome;
import io.kvcache.proto.bus.TaskReport;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.segment.DramSegment;
import io.kvcache.ssd.SsdNode;
import io.kvcache.ssd.bucket.BucketStore;
import io.kvcache.ssd.bucket.SsdKey;
import io.kvcache.ssd.bucket.StoreItem;
import io.kvcache.ssd.bucket.StoreOutcome;
import io.kvcache.ssd.bucket.StoreResult;
import io.kvcache.ssd.bucket.StoredObject;
import io.kvcache.util.RateLimitedLog;
import io.kvcache.util.Tokens;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.DeliveryOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The storage node's end of the master's task channel. Each tick it fetches its tasks and runs them: offloads write the
 * objects' bytes straight from its DRAM segment (the replicas are pinned meanwhile) into bucket files on the SSD worker
 * pool; deletions remove keys from its SSD; copies and moves start the task on the object's shard, copy the source's
 * bytes to every target and end it (or revoke it on any failure). Every outcome is reported with the task's token.
 * With an SSD, after every (re)mount it first re-registers what the SSD holds, so objects survive a restart as
 * disk-only. All file I/O happens on the {@code kv-ssd-io} worker threads, never on this verticle's event loop.
 */
public final class TaskWorker extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(TaskWorker.class.getName());
  private static final RateLimitedLog FAILURES = RateLimitedLog.of(LOG, Level.INFO);
  private static final int FETCH_MAX = 256;
  private static final int SCAN_PAGE_OBJECTS = 10_000;

  private final StorageSession session;
  private final DramSegment segment;
  private final SsdNode ssd;
  private final int ssdIoThreads;
  private final Metadata metadata;
  private final DataTransfer data;
  private final DeliveryOptions delivery;
  private final MasterCalls master;
  private final long tickMs;
  private final long client = Tokens.random64(); // this worker's identity towards the shards for copies and moves
  private WorkerExecutor io;
  private long tickTimer = -1;
  private long gcTimer = -1;
  private boolean busy;
  private boolean paused;
  private String registeredWithToken;

  /** @param segment this node's segment or null; @param ssd its SSD or null */
  public TaskWorker(StorageSession session, DramSegment segment, SsdNode ssd, int ssdIoThreads, Metadata metadata,
                    DataTransfer data, DeliveryOptions delivery, MasterCalls master, long tickMs) {
    this.session = session;
    this.segment = segment;
    this.ssd = ssd;
    this.ssdIoThreads = ssdIoThreads;
    this.metadata = metadata;
    this.data = data;
    this.delivery = delivery;
    this.master = master;
    this.tickMs = tickMs;
  }

  @Override
  public Future<?> start() {
    if (ssd != null) {
      io = vertx.createSharedWorkerExecutor(SsdIoVerticle.WORKER_POOL, ssdIoThreads);
      gcTimer = vertx.setPeriodic(1000, id -> ssd.buffers().gc(System.nanoTime() / 1_000_000));
    }
    tickTimer = vertx.setPeriodic(tickMs, id -> tick());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(tickTimer);
    vertx.cancelTimer(gcTimer);
    return io == null ? Future.succeededFuture() : io.close();
  }

  /** Stops taking tasks (they wait in the master's queue, offload sources pinned) until {@link #resume()}. */
  public void pause() {
    context.runOnContext(ignored -> paused = true);
  }

  public void resume() {
    context.runOnContext(ignored -> paused = false);
  }

  private void tick() {
    String token = session.token();
    if (busy || paused || token == null) {
      return;
    }
    busy = true;
    boolean registerFirst = ssd != null && session.offloadAccepted() && !token.equals(registeredWithToken);
    Future<?> round = registerFirst ? reRegister(token, -1).onSuccess(ignored -> registeredWithToken = token)
        : runOnce(token);
    round.onComplete(ar -> {
      busy = false;
      if (ar.failed()) {
        LOG.fine("task round failed: " + ar.cause());
      }
    });
  }

  /** Reports every object on this SSD to the master, a page of whole buckets at a time. */
  private Future<Void> reRegister(String token, long afterBucket) {
    BucketStore store = ssd.store();
    return io.executeBlocking(() -> store.scan(afterBucket, SCAN_PAGE_OBJECTS)).compose(page -> {
      DiskObjects.Builder objects = DiskObjects.newBuilder().setNodeId(session.nodeId()).setToken(token);
      for (StoredObject o : page.objects()) {
        objects.addKeys(ByteString.copyFrom(o.key().bytes())).addSizes(o.size());
      }
      Future<?> sent = objects.getKeysCount() == 0 ? Future.succeededFuture() : request(objects.build());
      return sent.compose(ignored -> page.done() ? Future.<Void>succeededFuture() : reRegister(token, page.lastBucketId()));
    });
  }

  /** Fetches this node's tasks, runs them by kind, reports every outcome in one report. */
  private Future<Void> runOnce(String token) {
    TaskFetch fetch = TaskFetch.newBuilder().setNodeId(session.nodeId()).setToken(token).setMax(FETCH_MAX).build();
    return request(fetch).compose(reply -> {
      TaskAssignments batch = (TaskAssignments) reply;
      if (batch.getCode() != ErrorCode.OK || batch.getTasksCount() == 0) {
        return Future.succeededFuture();
      }
      List<TaskAssignment> offloads = new ArrayList<>();
      List<TaskAssignment> deletes = new ArrayList<>();
      List<TaskAssignment> replications = new ArrayList<>();
      for (TaskAssignment t : batch.getTasksList()) {
        switch (t.getKind()) {
          case OFFLOAD -> offloads.add(t);
          case DELETE -> deletes.add(t);
          default -> replications.add(t);
        }
      }
      TaskReport.Builder report = TaskReport.newBuilder().setNodeId(session.nodeId()).setToken(token);
      return delete(deletes, report)
          .compose(ignored -> offload(token, offloads, report))
          .compose(ignored -> replicateAll(replications, 0, report))
          .compose(ignored -> request(report.build()))
          .mapEmpty();
    });
  }

  private static void outcome(TaskReport.Builder report, TaskAssignment task, boolean success, String message) {
    report.addOutcomes(TaskOutcome.newBuilder().setTaskId(task.getTaskId()).setTaskToken(task.getTaskToken())
        .setSuccess(success).setMessage(message));
  }

  /** Deletes keys the master no longer has on this SSD (a key already gone counts as deleted). */
  private Future<Void> delete(List<TaskAssignment> tasks, TaskReport.Builder report) {
    if (tasks.isEmpty()) {
      return Future.succeededFuture();
    }
    if (ssd == null) {
      tasks.forEach(t -> outcome(report, t, false, "no SSD"));
      return Future.succeededFuture();
    }
    List<SsdKey> keys = tasks.stream().map(t -> SsdKey.of(t.getKey().toByteArray())).toList();
    return io.executeBlocking(() -> ssd.store().evict(keys)).transform(ar -> {
      tasks.forEach(t -> outcome(report, t, ar.succeeded(), ar.succeeded() ? "" : String.valueOf(ar.cause())));
      return Future.succeededFuture();
    });
  }

  /** Writes the offloads' bytes from this node's segment to the SSD; each is reported stored or NACKed. */
  private Future<Void> offload(String token, List<TaskAssignment> tasks, TaskReport.Builder report) {
    if (tasks.isEmpty()) {
      return Future.succeededFuture();
    }
    if (ssd == null || segment == null) {
      tasks.forEach(t -> outcome(report, t, false, "no SSD or no segment"));
      return Future.succeededFuture();
    }
    List<StoreItem> items = new ArrayList<>(tasks.size());
    for (TaskAssignment t : tasks) {
      items.add(new StoreItem(SsdKey.of(t.getKey().toByteArray()), segment.slice(t.getOffset(), t.getSize())));
    }
    return io.executeBlocking(() -> ssd.store().store(items)).transform(ar -> {
      for (int i = 0; i < tasks.size(); i++) {
        StoreResult result = ar.succeeded() ? ar.result().results().get(i) : null;
        boolean stored = result != null && (result.isOk() || result.code() == ErrorCode.OBJECT_ALREADY_EXISTS);
        outcome(report, tasks.get(i), stored, result == null ? String.valueOf(ar.cause()) : result.message());
      }
      return ar.succeeded() ? reportEvicted(token, ar.result()).<Void>mapEmpty() : Future.<Void>succeededFuture();
    });
  }

  /** Keys the store evicted to make room (watermark): their LOCAL_DISK replicas must go. */
  private Future<?> reportEvicted(String token, StoreOutcome outcome) {
    if (outcome.evictedKeys().isEmpty()) {
      return Future.succeededFuture();
    }
    DiskObjects.Builder evicted = DiskObjects.newBuilder().setNodeId(session.nodeId()).setToken(token).setEvicted(true);
    outcome.evictedKeys().forEach(k -> evicted.addKeys(ByteString.copyFrom(k.bytes())));
    return request(evicted.build()).onSuccess(reply -> {
      if (((DiskObjectsReply) reply).getCode() != ErrorCode.OK) {
        LOG.warning("the master refused the SSD eviction report: " + ((DiskObjectsReply) reply).getCode());
      }
    }).recover(failure -> Future.succeededFuture());
  }

  private Future<Void> replicateAll(List<TaskAssignment> tasks, int next, TaskReport.Builder report) {
    if (next == tasks.size()) {
      return Future.succeededFuture();
    }
    TaskAssignment task = tasks.get(next);
    return replicate(task).transform(ar -> {
      ErrorCode code = ar.succeeded() ? ErrorCode.OK : DataTransfer.codeOf(ar.cause());
      if (code != ErrorCode.OK) { // clients create these tasks (CreateCopyTask): their failures must not flood the log
        FAILURES.log("replication task failed", () -> task.getTaskId() + ": " + code);
      }
      outcome(report, task, code == ErrorCode.OK, code.name());
      return replicateAll(tasks, next + 1, report);
    });
  }

  /** Start → copy the bytes → end; any failure after the start revokes the task on the shard. */
  private Future<Void> replicate(TaskAssignment task) {
    ReplicationKind kind = task.getKind() == TaskAssignment.Kind.MOVE ? ReplicationKind.MOVE : ReplicationKind.COPY;
    ObjectKey key = ObjectKey.of(task.getKey().toByteArray());
    return metadata.startReplication(kind, client, key, task.getSourceSegment(), task.getTargetSegmentsList())
        .compose(started -> {
          if (!started.isOk()) {
            return Future.failedFuture(new DataTransfer.TransferException(started.code(), "start refused"));
          }
          ReplicationStart s = started.value();
          return data.read(s.source(), 0, (int) s.size())
              .compose(bytes -> data.writeAll(s.targets(), 0,
                      com.google.protobuf.UnsafeByteOperations.unsafeWrap(bytes.nioBuffer()))
                  .onComplete(ignored -> bytes.release()))
              .compose(copied -> metadata.finishReplication(kind, true, client, key))
              .compose(code -> code == ErrorCode.OK ? Future.<Void>succeededFuture()
                  : Future.failedFuture(new DataTransfer.TransferException(code, "end refused")))
              .recover(failure -> metadata.finishReplication(kind, false, client, key)
                  .transform(ignored -> Future.failedFuture(failure)));
        });
  }

  /** A request to the master's task board (one attempt: the next tick asks again). */
  private Future<Message> request(Message body) {
    return master.<Message>request(Addresses::tasks, body, delivery, 0, false).map(m -> m.body());
  }
}
