package io.kvcache.offload;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.kvcache.app.NodeContext;
import io.kvcache.bus.Addresses;
import io.kvcache.proto.bus.DiskObjects;
import io.kvcache.proto.bus.DiskObjectsReply;
import io.kvcache.proto.bus.OffloadBatch;
import io.kvcache.proto.bus.OffloadFetch;
import io.kvcache.proto.bus.OffloadOutcome;
import io.kvcache.proto.bus.OffloadReport;
import io.kvcache.proto.bus.OffloadTask;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.segment.DramSegment;
import io.kvcache.ssd.bucket.BucketStore;
import io.kvcache.storage.SsdIoVerticle;
import io.kvcache.ssd.bucket.SsdKey;
import io.kvcache.ssd.SsdNode;
import io.kvcache.ssd.bucket.StoreItem;
import io.kvcache.ssd.bucket.StoreOutcome;
import io.kvcache.ssd.bucket.StoreResult;
import io.kvcache.ssd.bucket.StoredObject;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * The storage node's end of SSD offload. Each tick it fetches its tasks from the master, writes the objects' bytes
 * straight from its DRAM segment (the replicas are pinned meanwhile) into bucket files on the SSD worker pool, and reports
 * each task as stored or NACKed with the task's token; it deletes the keys the master dropped and reports the keys its
 * SSD evicted on its own. After every (re)mount it first re-registers what its SSD holds, so objects survive a restart
 * as disk-only. All file I/O happens on the {@code kv-ssd-io} worker threads (each with its own ring), never here.
 */
public final class OffloadWorker extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(OffloadWorker.class.getName());
  private static final int FETCH_MAX = 256;
  private static final int SCAN_PAGE_OBJECTS = 10_000;

  private final NodeContext node;
  private final SsdNode ssd;
  private WorkerExecutor io;
  private long tickTimer = -1;
  private long gcTimer = -1;
  private boolean busy;
  private boolean paused;
  private String registeredWithToken;

  public OffloadWorker(NodeContext node, SsdNode ssd) {
    this.node = node;
    this.ssd = ssd;
  }

  @Override
  public Future<?> start() {
    io = vertx.createSharedWorkerExecutor(SsdIoVerticle.WORKER_POOL, node.options().ssdIoThreads());
    tickTimer = vertx.setPeriodic(Math.min(node.options().heartbeatIntervalMs(), 200), id -> tick());
    gcTimer = vertx.setPeriodic(1000, id -> ssd.buffers().gc(System.nanoTime() / 1_000_000));
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(tickTimer);
    vertx.cancelTimer(gcTimer);
    return io.close();
  }

  /** Stops taking offload tasks (they wait in the master's queue, their replicas pinned) until {@link #resume()}. */
  public void pause() {
    context.runOnContext(ignored -> paused = true);
  }

  public void resume() {
    context.runOnContext(ignored -> paused = false);
  }

  private void tick() {
    String token = node.sessionToken();
    if (busy || paused || token == null || !node.offloadAccepted()) {
      return;
    }
    busy = true;
    Future<?> round = token.equals(registeredWithToken) ? offloadOnce(token)
        : reRegister(token, -1).onSuccess(ignored -> registeredWithToken = token);
    round.onComplete(ar -> {
      busy = false;
      if (ar.failed()) {
        LOG.fine("offload round failed: " + ar.cause());
      }
    });
  }

  /** Reports every object on this SSD to the master, a page of whole buckets at a time. */
  private Future<Void> reRegister(String token, long afterBucket) {
    BucketStore store = ssd.store();
    return io.executeBlocking(() -> store.scan(afterBucket, SCAN_PAGE_OBJECTS)).compose(page -> {
      DiskObjects.Builder objects = DiskObjects.newBuilder().setNodeId(node.nodeId()).setToken(token);
      for (StoredObject o : page.objects()) {
        objects.addKeys(ByteString.copyFrom(o.key().bytes())).addSizes(o.size());
      }
      Future<?> sent = objects.getKeysCount() == 0 ? Future.succeededFuture() : request(objects.build());
      return sent.compose(ignored -> page.done() ? Future.<Void>succeededFuture() : reRegister(token, page.lastBucketId()));
    });
  }

  private Future<Void> offloadOnce(String token) {
    OffloadFetch fetch = OffloadFetch.newBuilder().setNodeId(node.nodeId()).setToken(token).setMax(FETCH_MAX).build();
    return request(fetch).compose(reply -> {
      OffloadBatch batch = (OffloadBatch) reply;
      if (batch.getCode() != ErrorCode.OK) {
        return Future.succeededFuture();
      }
      Future<?> deleted = batch.getDeleteKeysCount() == 0 ? Future.succeededFuture()
          : io.executeBlocking(() -> ssd.store().evict(batch.getDeleteKeysList().stream()
              .map(k -> SsdKey.of(k.toByteArray())).toList()));
      return deleted.compose(ignored -> batch.getTasksCount() == 0 ? Future.succeededFuture()
          : store(token, batch.getTasksList()));
    });
  }

  /** Writes the tasks' bytes from this node's segment to the SSD, then reports every task (stored or NACK). */
  private Future<Void> store(String token, List<OffloadTask> tasks) {
    DramSegment segment = node.localSegment();
    List<StoreItem> items = new ArrayList<>(tasks.size());
    for (OffloadTask t : tasks) {
      items.add(segment == null ? null
          : new StoreItem(SsdKey.of(t.getKey().toByteArray()), segment.slice(t.getOffset(), t.getSize())));
    }
    List<StoreItem> writable = items.stream().filter(java.util.Objects::nonNull).toList();
    return io.executeBlocking(() -> ssd.store().store(writable)).transform(ar -> {
      OffloadReport.Builder report = OffloadReport.newBuilder().setNodeId(node.nodeId()).setToken(token);
      List<StoreResult> results = ar.succeeded() ? ar.result().results() : List.of();
      int r = 0;
      for (int i = 0; i < tasks.size(); i++) {
        boolean stored = false;
        if (items.get(i) != null && ar.succeeded()) {
          StoreResult result = results.get(r++);
          stored = result.isOk() || result.code() == ErrorCode.OBJECT_ALREADY_EXISTS;
        }
        report.addOutcomes(OffloadOutcome.newBuilder().setTaskId(tasks.get(i).getTaskId())
            .setTaskToken(tasks.get(i).getTaskToken()).setStored(stored));
      }
      Future<?> evictedReported = ar.succeeded() ? reportEvicted(token, ar.result()) : Future.succeededFuture();
      return evictedReported.transform(ignored -> request(report.build())).mapEmpty();
    });
  }

  /** Keys the store evicted to make room (watermark): their LOCAL_DISK replicas must go. */
  private Future<?> reportEvicted(String token, StoreOutcome outcome) {
    if (outcome.evictedKeys().isEmpty()) {
      return Future.succeededFuture();
    }
    DiskObjects.Builder evicted = DiskObjects.newBuilder().setNodeId(node.nodeId()).setToken(token).setEvicted(true);
    outcome.evictedKeys().forEach(k -> evicted.addKeys(ByteString.copyFrom(k.bytes())));
    return request(evicted.build()).onSuccess(reply -> {
      if (((DiskObjectsReply) reply).getCode() != ErrorCode.OK) {
        LOG.warning("the master refused the SSD eviction report: " + ((DiskObjectsReply) reply).getCode());
      }
    });
  }

  private Future<Message> request(Message body) {
    return vertx.eventBus().<Message>request(Addresses.OFFLOAD, body, node.requestOptions()).map(m -> m.body());
  }
}
