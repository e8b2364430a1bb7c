package io.kvcache.replica;

import io.kvcache.alloc.OffsetAllocator;
import io.kvcache.alloc.Segment;
import io.kvcache.proto.v1.ErrorCode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * COPY and MOVE of replicas between segments (reference §1 "COPY / MOVE"): the client that starts a task reads the
 * source and writes the targets itself; the master pins the source (so eviction cannot take it mid-copy), keeps the
 * targets PROCESSING and invisible until the end, and reaps tasks that outlive the release timeout. At most one task
 * per object.
 *
 * <p>Not thread-safe: part of one shard.
 */
public final class ShardReplication {
  /** One task. */
  public static final class Task {
    final boolean move;
    final long client;
    final long startMs;
    final Replica source;
    final List<MemoryReplica> targets;
    final long pinId;

    Task(boolean move, long client, long startMs, Replica source, List<MemoryReplica> targets, long pinId) {
      this.move = move;
      this.client = client;
      this.startMs = startMs;
      this.source = source;
      this.targets = targets;
      this.pinId = pinId;
    }

    public Replica source() {
      return source;
    }

    public List<MemoryReplica> targets() {
      return targets;
    }
  }

  private final ReplicaShard shard;
  private final Map<ObjectEntry, Task> tasks = new HashMap<>();
  private ErrorCode lastError = ErrorCode.OK;

  ShardReplication(ReplicaShard shard) {
    this.shard = shard;
  }

  public int count() {
    return tasks.size();
  }

  public ErrorCode lastError() {
    return lastError;
  }

  boolean isTaskClient(ObjectEntry e, long client) {
    Task t = tasks.get(e);
    return t != null && t.client == client;
  }

  /** Starts a copy of the replica on {@code sourceSegment} to each target segment; null on error ({@link #lastError}). */
  public Task copyStart(long client, byte[] key, int hash, String sourceSegment, List<String> targetSegments) {
    if (targetSegments.isEmpty()) {
      return fail(ErrorCode.INVALID_PARAMS);
    }
    return start(false, client, key, hash, sourceSegment, targetSegments);
  }

  /** Starts a move from {@code sourceSegment} to {@code targetSegment}. */
  public Task moveStart(long client, byte[] key, int hash, String sourceSegment, String targetSegment) {
    if (sourceSegment.equals(targetSegment)) {
      return fail(ErrorCode.INVALID_PARAMS);
    }
    return start(true, client, key, hash, sourceSegment, List.of(targetSegment));
  }

  private Task start(boolean move, long client, byte[] key, int hash, String sourceSegment, List<String> targetNames) {
    List<Segment> targets = new ArrayList<>();
    for (String name : targetNames) {
      Segment s = shard.shared().segments().byName(name);
      if (s == null) {
        return fail(ErrorCode.SEGMENT_NOT_FOUND);
      }
      if (!s.isAllocatable()) {
        return fail(ErrorCode.UNAVAILABLE_IN_CURRENT_STATUS);
      }
      targets.add(s);
    }
    ObjectEntry e = shard.find(key, hash);
    if (e == null) {
      return fail(ErrorCode.OBJECT_NOT_FOUND);
    }
    if (e.hasReplicationTask()) {
      return fail(ErrorCode.OBJECT_HAS_REPLICATION_TASK);
    }
    MemoryReplica source = replicaOn(e, sourceSegment);
    if (source == null || !source.isReadable()) {
      return fail(ErrorCode.REPLICA_NOT_FOUND);
    }
    List<MemoryReplica> created = new ArrayList<>();
    for (Segment target : targets) {
      if (replicaOn(e, target.name()) != null) {
        continue; // already holds a replica: nothing to copy there
      }
      long handle = target.allocate(e.size);
      if (handle == OffsetAllocator.NO_SPACE) {
        created.forEach(r -> r.release(e.size));
        return fail(ErrorCode.NO_AVAILABLE_HANDLE);
      }
      created.add(new MemoryReplica(target, handle));
    }
    return register(move, client, e, source, created);
  }

  /**
   * Promotion on hit: a memory replica for an object only an SSD holds, placed by the strategy (preferring
   * {@code preferredSegment}), invisible until {@link #end} (as a copy) publishes it.
   */
  public Task promoteStart(long client, byte[] key, int hash, List<String> preferredSegments) {
    ObjectEntry e = shard.find(key, hash);
    if (e == null) {
      return fail(ErrorCode.OBJECT_NOT_FOUND);
    }
    if (e.hasReplicationTask() || e.isProcessing()) {
      return fail(ErrorCode.OBJECT_HAS_REPLICATION_TASK);
    }
    Replica source = null;
    for (int i = 0; i < e.replicaCount(); i++) {
      if (e.replica(i).isMemory() && e.replica(i).isValid()) {
        return fail(ErrorCode.REPLICA_ALREADY_EXISTS);
      }
      if (source == null && e.replica(i) instanceof DiskReplica d && d.isReadable()) {
        source = d;
      }
    }
    if (source == null) {
      return fail(ErrorCode.REPLICA_NOT_FOUND);
    }
    MemoryReplica target = shard.allocateOne(e.size, preferredSegments);
    if (target == null) {
      return fail(ErrorCode.NO_AVAILABLE_HANDLE);
    }
    return register(false, client, e, source, List.of(target));
  }

  /** Pins the source, adds the (hidden) targets and records the task on the entry. */
  private Task register(boolean move, long client, ObjectEntry e, Replica source, List<MemoryReplica> targets) {
    long now = shard.clock().nowMs();
    long pinId = shard.pins().pin(move ? PinOwner.MOVE : PinOwner.COPY, client, e, source,
        now + shard.settings().releaseTimeoutMs());
    for (MemoryReplica t : targets) {
      t.isTaskTarget = true;
      e.addReplica(t);
    }
    Task task = new Task(move, client, now, source, targets, pinId);
    tasks.put(e, task);
    e.flags |= ObjectEntry.REPLICATION_TASK;
    lastError = ErrorCode.OK;
    return task;
  }

  /** Ends the task of {@code client} on the key: targets become readable; a move drops its source. */
  public ErrorCode end(long client, byte[] key, int hash, boolean move) {
    ObjectEntry e = shard.find(key, hash);
    Task task = checked(e, client, move);
    if (task == null) {
      return lastError;
    }
    finish(e, task);
    if (!task.source.isValid() || !e.hasValidReplica()) {
      discardTargets(e, task, false);
      dropIfEmpty(e);
      return ErrorCode.REPLICA_IS_GONE;
    }
    boolean lost = false;
    for (MemoryReplica t : task.targets) {
      if (t.isValid()) {
        t.isTaskTarget = false;
        t.status = Replica.COMPLETE;
      } else {
        lost = true;
        removeReplica(e, t);
      }
    }
    if (task.move) {
      removeReplica(e, task.source);
      shard.parkReplicas(List.of(task.source), e.size, shard.clock().nowMs() + shard.settings().releaseTimeoutMs());
    }
    return lost ? ErrorCode.REPLICA_IS_GONE : ErrorCode.OK;
  }

  /** Abandons the task: targets are freed, the source unpinned. */
  public ErrorCode revoke(long client, byte[] key, int hash, boolean move) {
    ObjectEntry e = shard.find(key, hash);
    Task task = checked(e, client, move);
    if (task == null) {
      return lastError;
    }
    finish(e, task);
    discardTargets(e, task, false);
    dropIfEmpty(e);
    return ErrorCode.OK;
  }

  /** Tasks that outlived the release timeout: source unpinned, targets parked (a writer may still be writing). */
  void reapExpired(long now) {
    List<ObjectEntry> expired = new ArrayList<>();
    tasks.forEach((e, t) -> {
      if (t.startMs + shard.settings().releaseTimeoutMs() <= now) {
        expired.add(e);
      }
    });
    for (ObjectEntry e : expired) {
      Task t = tasks.get(e);
      finish(e, t);
      discardTargets(e, t, true);
      dropIfEmpty(e);
    }
  }

  /** The object is being erased: forget its task (its pins and replicas go with it). */
  void forget(ObjectEntry e) {
    if (tasks.remove(e) != null) {
      e.flags &= ~ObjectEntry.REPLICATION_TASK;
    }
  }

  private Task checked(ObjectEntry e, long client, boolean move) {
    if (e == null) {
      return fail(ErrorCode.OBJECT_NOT_FOUND);
    }
    Task task = tasks.get(e);
    if (task == null) {
      return fail(ErrorCode.OBJECT_NO_REPLICATION_TASK);
    }
    if (task.client != client) {
      return fail(ErrorCode.ILLEGAL_CLIENT);
    }
    if (task.move != move) {
      return fail(ErrorCode.INVALID_PARAMS);
    }
    return task;
  }

  private void finish(ObjectEntry e, Task task) {
    shard.pins().release(task.pinId);
    tasks.remove(e);
    e.flags &= ~ObjectEntry.REPLICATION_TASK;
  }

  private void discardTargets(ObjectEntry e, Task task, boolean park) {
    List<Replica> detached = new ArrayList<>();
    for (MemoryReplica t : task.targets) {
      if (removeReplica(e, t)) {
        detached.add(t);
      }
    }
    if (park) {
      shard.parkReplicas(detached, e.size, shard.clock().nowMs());
    } else {
      detached.forEach(r -> r.release(e.size));
    }
  }

  private void dropIfEmpty(ObjectEntry e) {
    if (!e.hasValidReplica()) {
      shard.erase(e);
    }
  }

  private static boolean removeReplica(ObjectEntry e, Replica r) {
    for (int i = 0; i < e.replicaCount(); i++) {
      if (e.replica(i) == r) {
        e.removeReplica(i);
        return true;
      }
    }
    return false;
  }

  private static MemoryReplica replicaOn(ObjectEntry e, String segmentName) {
    for (int i = 0; i < e.replicaCount(); i++) {
      if (e.replica(i) instanceof MemoryReplica m && m.segment().name().equals(segmentName)) {
        return m;
      }
    }
    return null;
  }

  private Task fail(ErrorCode code) {
    lastError = code;
    return null;
  }
}
