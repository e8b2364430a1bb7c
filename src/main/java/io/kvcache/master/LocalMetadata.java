package io.kvcache.master;

import io.kvcache.alloc.Segment;
import io.kvcache.alloc.SegmentRegistry;
import io.kvcache.metadata.Existence;
import io.kvcache.metadata.KeyReplicas;
import io.kvcache.metadata.Metadata;
import io.kvcache.metadata.ObjectKey;
import io.kvcache.metadata.ReplicaLists;
import io.kvcache.metadata.ReplicaLocation;
import io.kvcache.metadata.ReplicationKind;
import io.kvcache.metadata.ReplicationStart;
import io.kvcache.metadata.TaskInfo;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.ReplicateConfig;
import io.kvcache.replica.BulkRemoval;
import io.kvcache.replica.KeyCodec;
import io.kvcache.replica.MatchingRemoval;
import io.kvcache.replica.MemoryReplica;
import io.kvcache.replica.ObjectEntry;
import io.kvcache.replica.ReplicationTask;
import io.kvcache.replica.Shard;
import io.kvcache.tasks.Task;
import io.kvcache.tasks.TaskBoard;
import io.kvcache.tasks.TaskSpec;
import io.kvcache.util.Result;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiConsumer;

/**
 * {@link Metadata} by direct calls on this node's shards: each shard involved is called once per request, on the
 * caller's thread, under its lock; the key bytes the caller encoded are the ones the shard keeps. Bulk removals scan
 * every shard a slice at a time on one worker thread of their own, one removal at a time, never on an event loop.
 *
 * <p>Thread-safe (the shards, the registry and the task board are).
 */
public final class LocalMetadata implements Metadata {
  /** The worker pool (of one thread) bulk removals run on. */
  static final String BULK_REMOVAL_POOL = "kv-bulk-removal";

  private final MasterShards shards;
  private final SegmentRegistry segments;
  private final TaskBoard tasks;
  private final EvictionTrigger eviction;
  private final WorkerExecutor bulkRemoval;
  private final long regexBudgetMs;
  private final long term; // of this master: stamped on every location it hands out

  /**
   * @param vertx gives the one worker thread bulk removals run on, one at a time: however many clients ask, scans
   *     and regex matching take at most one core from the event loops
   * @param regexBudgetMs longest a RemoveByRegex may scan and match before it is refused (BUDGET_EXCEEDED)
   * @param term this master's fencing term, stamped on every replica location it hands out
   */
  public LocalMetadata(MasterShards shards, SegmentRegistry segments, TaskBoard tasks, EvictionTrigger eviction,
                       Vertx vertx, long regexBudgetMs, long term) {
    this.shards = shards;
    this.segments = segments;
    this.tasks = tasks;
    this.eviction = eviction;
    this.bulkRemoval = vertx.createSharedWorkerExecutor(BULK_REMOVAL_POOL, 1);
    this.regexBudgetMs = regexBudgetMs;
    this.term = term;
  }

  private long leaseTtlMs() {
    return shards.shared().settings().leaseTtlMs();
  }

  /** Runs {@code perKey(shard, i)} for every key, grouped so each shard is locked once. */
  private void eachKey(List<ObjectKey> keys, BiConsumer<Shard, Integer> perKey) {
    int[][] groups = shards.groupByShard(keys);
    for (int s = 0; s < groups.length; s++) {
      int[] group = groups[s];
      if (group.length > 0) {
        shards.call(s, shard -> {
          for (int i : group) {
            perKey.accept(shard, i);
          }
          return null;
        });
      }
    }
  }

  @Override
  public Future<KeyReplicas[]> putStart(long writer, List<ObjectKey> keys, long[] sizes, ReplicateConfig config) {
    KeyReplicas[] out = new KeyReplicas[keys.size()];
    if (sizes.length != keys.size()) {
      java.util.Arrays.fill(out, KeyReplicas.failed(ErrorCode.INVALID_PARAMS));
      return Future.succeededFuture(out);
    }
    eachKey(keys, (shard, i) -> {
      ObjectKey k = keys.get(i);
      Result<ObjectEntry> started = shard.puts().putStart(writer, k.encoded(), k.hash(), sizes[i], config);
      out[i] = started.isOk() ? Locations.all(started.value(), term) : KeyReplicas.failed(started.code());
    });
    return Future.succeededFuture(out);
  }

  @Override
  public Future<ErrorCode[]> putEnd(long writer, List<ObjectKey> keys) {
    ErrorCode[] out = new ErrorCode[keys.size()];
    eachKey(keys, (shard, i) -> out[i] = shard.puts().putEnd(writer, keys.get(i).encoded(), keys.get(i).hash()));
    return Future.succeededFuture(out);
  }

  @Override
  public Future<ErrorCode[]> putRevoke(long writer, List<ObjectKey> keys) {
    ErrorCode[] out = new ErrorCode[keys.size()];
    eachKey(keys, (shard, i) -> out[i] = shard.puts().putRevoke(writer, keys.get(i).encoded(), keys.get(i).hash()));
    return Future.succeededFuture(out);
  }

  @Override
  public Future<ReplicaLists> replicas(List<ObjectKey> keys) {
    KeyReplicas[] out = new KeyReplicas[keys.size()];
    eachKey(keys, (shard, i) -> {
      Result<ObjectEntry> leased = shard.reads().lease(keys.get(i).encoded(), keys.get(i).hash());
      out[i] = leased.isOk() ? Locations.readable(leased.value(), term) : KeyReplicas.failed(leased.code());
    });
    return Future.succeededFuture(new ReplicaLists(out, leaseTtlMs()));
  }

  @Override
  public Future<Existence> exists(List<ObjectKey> keys) {
    boolean[] hits = new boolean[keys.size()];
    eachKey(keys, (shard, i) -> hits[i] = shard.reads().exists(keys.get(i).encoded(), keys.get(i).hash()));
    return Future.succeededFuture(new Existence(hits, leaseTtlMs()));
  }

  @Override
  public Future<ErrorCode[]> remove(List<ObjectKey> keys, boolean force) {
    ErrorCode[] out = new ErrorCode[keys.size()];
    eachKey(keys, (shard, i) -> out[i] = shard.removes().remove(keys.get(i).encoded(), keys.get(i).hash(), force));
    return Future.succeededFuture(out);
  }

  @Override
  public Future<BulkRemoval> removeAll(String namespace, boolean allNamespaces, boolean force) {
    if (allNamespaces) {
      if (!namespace.isEmpty()) {
        return Future.succeededFuture(BulkRemoval.refused(ErrorCode.INVALID_PARAMS,
            "all_namespaces removes every namespace: leave namespace empty"));
      }
      return bulkRemoval.executeBlocking(() -> BulkRemoval.removed(MatchingRemoval.run(shards, key -> true, force)));
    }
    String invalid = KeyCodec.validateNamespace(namespace);
    if (invalid != null) {
      return Future.succeededFuture(BulkRemoval.refused(ErrorCode.INVALID_PARAMS, invalid));
    }
    byte[] prefix = KeyCodec.namespacePrefix(namespace);
    return bulkRemoval.executeBlocking(() -> BulkRemoval.removed(
        MatchingRemoval.run(shards, key -> KeyCodec.inNamespace(key, prefix), force)));
  }

  @Override
  public Future<BulkRemoval> removeByRegex(String namespace, String regex, boolean force) {
    // Compiling runs on the worker too: it is bounded (KeyRegex checks the size first) but not free.
    return bulkRemoval.executeBlocking(() -> MatchingRemoval.removeByRegex(shards, namespace, regex, force,
        regexBudgetMs, shards.shared().clock()));
  }

  @Override
  public Future<Result<ReplicaLocation>> writeTarget(long writer, ObjectKey key, long replicaId, long offset,
                                                     long length) {
    return Future.succeededFuture(shards.call(shards.indexOf(key), shard -> {
      Result<MemoryReplica> target = shard.puts().writableReplica(writer, key.encoded(), key.hash(), replicaId, offset,
          length);
      if (!target.isOk()) {
        return Result.fail(target.code());
      }
      ObjectEntry e = shard.reads().find(key.encoded(), key.hash());
      return Result.ok(Locations.of(e, target.value(), term));
    }));
  }

  @Override
  public Future<Result<ReplicationStart>> startReplication(ReplicationKind kind, long client, ObjectKey key,
                                                           String sourceSegment, List<String> targetSegments) {
    return Future.succeededFuture(shards.call(shards.indexOf(key), shard -> {
      byte[] k = key.encoded();
      Result<ReplicationTask> started = switch (kind) {
        case COPY -> shard.replication().copyStart(client, k, key.hash(), sourceSegment, targetSegments);
        case MOVE -> shard.replication().moveStart(client, k, key.hash(), sourceSegment,
            targetSegments.size() == 1 ? targetSegments.get(0) : "");
        case PROMOTE -> shard.replication().promoteStart(client, k, key.hash(), targetSegments);
      };
      if (!started.isOk()) {
        return Result.fail(started.code());
      }
      ObjectEntry e = shard.reads().find(k, key.hash());
      List<ReplicaLocation> targets = new ArrayList<>();
      started.value().targets().forEach(t -> targets.add(Locations.of(e, t, term)));
      return Result.ok(new ReplicationStart(e.size(), Locations.of(e, started.value().source(), term), targets));
    }));
  }

  @Override
  public Future<ErrorCode> finishReplication(ReplicationKind kind, boolean commit, long client, ObjectKey key) {
    return Future.succeededFuture(shards.call(shards.indexOf(key), shard -> commit
        ? shard.replication().end(client, key.encoded(), key.hash(), kind.isMove())
        : shard.replication().revoke(client, key.encoded(), key.hash(), kind.isMove())));
  }

  @Override
  public Future<Boolean> evictNow() {
    return eviction.evictNow();
  }

  @Override
  public Future<Result<String>> createTask(boolean move, ObjectKey key, String sourceSegment,
                                           List<String> targetSegments) {
    if (targetSegments.isEmpty() || (move && sourceSegment.isEmpty())) {
      return Future.succeededFuture(Result.fail(ErrorCode.INVALID_PARAMS));
    }
    for (String target : targetSegments) {
      Segment s = segments.byName(target);
      if (s == null) {
        return Future.succeededFuture(Result.fail(ErrorCode.INVALID_PARAMS));
      }
      if (!s.isAllocatable()) {
        return Future.succeededFuture(Result.fail(ErrorCode.UNAVAILABLE_IN_CURRENT_STATUS));
      }
    }
    // The source: the named memory replica, or (for a copy) a random readable one. Described under the shard's lock,
    // queued after it (the board has its own lock).
    Result<ReplicaLocation> source = shards.call(shards.indexOf(key), shard -> {
      ObjectEntry e = shard.reads().find(key.encoded(), key.hash());
      if (e == null) {
        return Result.fail(ErrorCode.OBJECT_NOT_FOUND);
      }
      List<ReplicaLocation> memory = Locations.readable(e, term).replicas().stream()
          .filter(r -> r.isMemory() && (sourceSegment.isEmpty() || r.segmentName().equals(sourceSegment))).toList();
      return memory.isEmpty() ? Result.fail(ErrorCode.REPLICA_NOT_FOUND)
          : Result.ok(memory.get(ThreadLocalRandom.current().nextInt(memory.size())));
    });
    if (!source.isOk()) {
      return Future.succeededFuture(Result.fail(source.code()));
    }
    Result<Task> task = tasks.replicate(source.value().nodeId(),
        new TaskSpec.Replicate(move, key.encoded(), source.value().segmentName(), targetSegments));
    return Future.succeededFuture(task.map(Task::id));
  }

  @Override
  public Future<TaskInfo> queryTask(String taskId) {
    TaskBoard.View t = tasks.view(taskId);
    return Future.succeededFuture(t == null ? TaskInfo.failed(ErrorCode.TASK_NOT_FOUND)
        : new TaskInfo(ErrorCode.OK, t.status(), t.message(), t.node()));
  }
}
