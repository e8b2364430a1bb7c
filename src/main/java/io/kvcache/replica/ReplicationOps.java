package io.kvcache.replica;

import io.kvcache.alloc.OffsetAllocator;
import io.kvcache.alloc.Segment;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.util.Result;

import java.util.ArrayList;
import java.util.List;

/**
 * COPY and MOVE of replicas between segments (reference §1 "COPY / MOVE"), and promotion of an SSD-only object back into
 * memory: the client that starts a task reads the source and writes the targets itself; the shard pins the source (so
 * eviction cannot take it mid-copy), keeps the targets PROCESSING and invisible until the end, and reaps tasks that
 * outlive the release timeout. At most one task per object.
 *
 * <p>Not thread-safe: part of one shard.
 */
public final class ReplicationOps {
  private final ShardState state;
  private final ShardPlacement placement;

  ReplicationOps(ShardState state, ShardPlacement placement) {
    this.state = state;
    this.placement = placement;
  }

  public int count() {
    return state.tasks.size();
  }

  /** Starts a copy of the replica on {@code sourceSegment} to each target segment. */
  public Result<ReplicationTask> copyStart(long client, byte[] key, int hash, String sourceSegment,
                                           List<String> targetSegments) {
    if (targetSegments.isEmpty()) {
      return Result.fail(ErrorCode.INVALID_PARAMS);
    }
    return start(false, client, key, hash, sourceSegment, targetSegments);
  }

  /** Starts a move from {@code sourceSegment} to {@code targetSegment}. */
  public Result<ReplicationTask> moveStart(long client, byte[] key, int hash, String sourceSegment,
                                           String targetSegment) {
    if (sourceSegment.equals(targetSegment)) {
      return Result.fail(ErrorCode.INVALID_PARAMS);
    }
    return start(true, client, key, hash, sourceSegment, List.of(targetSegment));
  }

  private Result<ReplicationTask> start(boolean move, long client, byte[] key, int hash, String sourceSegment,
                                        List<String> targetNames) {
    List<Segment> targets = new ArrayList<>();
    for (String name : targetNames) {
      Segment s = state.shared.segments().byName(name);
      if (s == null) {
        return Result.fail(ErrorCode.SEGMENT_NOT_FOUND);
      }
      if (!s.isAllocatable()) {
        return Result.fail(ErrorCode.UNAVAILABLE_IN_CURRENT_STATUS);
      }
      targets.add(s);
    }
    ObjectEntry e = state.find(key, hash);
    if (e == null) {
      return Result.fail(ErrorCode.OBJECT_NOT_FOUND);
    }
    if (e.hasReplicationTask()) {
      return Result.fail(ErrorCode.OBJECT_HAS_REPLICATION_TASK);
    }
    MemoryReplica source = replicaOn(e, sourceSegment);
    if (source == null || !source.isReadable()) {
      return Result.fail(ErrorCode.REPLICA_NOT_FOUND);
    }
    List<MemoryReplica> created = new ArrayList<>();
    for (Segment target : targets) {
      if (replicaOn(e, target.name()) != null) {
        continue; // already holds a replica: nothing to copy there
      }
      long handle = target.allocate(e.size);
      if (handle == OffsetAllocator.NO_SPACE) {
        created.forEach(r -> r.release(e.size));
        return Result.fail(ErrorCode.NO_AVAILABLE_HANDLE);
      }
      created.add(new MemoryReplica(target, handle));
    }
    return Result.ok(register(move, client, e, source, created));
  }

  /**
   * Promotion on hit: a memory replica for an object only an SSD holds, placed by the strategy (preferring
   * {@code preferredSegments}), invisible until {@link #end} (as a copy) publishes it.
   */
  public Result<ReplicationTask> promoteStart(long client, byte[] key, int hash, List<String> preferredSegments) {
    ObjectEntry e = state.find(key, hash);
    if (e == null) {
      return Result.fail(ErrorCode.OBJECT_NOT_FOUND);
    }
    if (e.hasReplicationTask() || e.isProcessing()) {
      return Result.fail(ErrorCode.OBJECT_HAS_REPLICATION_TASK);
    }
    Replica source = null;
    for (int i = 0; i < e.replicaCount(); i++) {
      if (e.replica(i).isMemory() && e.replica(i).isValid()) {
        return Result.fail(ErrorCode.REPLICA_ALREADY_EXISTS);
      }
      if (source == null && e.replica(i) instanceof DiskReplica d && d.isReadable()) {
        source = d;
      }
    }
    if (source == null) {
      return Result.fail(ErrorCode.REPLICA_NOT_FOUND);
    }
    MemoryReplica target = placement.one(e.size, preferredSegments);
    if (target == null) {
      return Result.fail(ErrorCode.NO_AVAILABLE_HANDLE);
    }
    return Result.ok(register(false, client, e, source, List.of(target)));
  }

  /** Pins the source, adds the (hidden) targets and records the task on the entry. */
  private ReplicationTask register(boolean move, long client, ObjectEntry e, Replica source,
                                   List<MemoryReplica> targets) {
    long now = state.clock.nowMs();
    long pinId = state.pins.pin(move ? PinOwner.MOVE : PinOwner.COPY, client, e, source,
        now + state.settings.releaseTimeoutMs());
    for (MemoryReplica t : targets) {
      t.isTaskTarget = true;
      e.addReplica(t);
    }
    ReplicationTask task = new ReplicationTask(move, client, now, source, targets, pinId);
    state.tasks.put(e, task);
    e.flags |= ObjectEntry.REPLICATION_TASK;
    return task;
  }

  /** Ends the task of {@code client} on the key: targets become readable; a move drops its source. */
  public ErrorCode end(long client, byte[] key, int hash, boolean move) {
    ObjectEntry e = state.find(key, hash);
    Result<ReplicationTask> checked = checked(e, client, move);
    if (!checked.isOk()) {
      return checked.code();
    }
    ReplicationTask task = checked.value();
    finish(e, task);
    if (!task.source().isValid() || !e.hasValidReplica()) {
      discardTargets(e, task, false);
      dropIfEmpty(e);
      return ErrorCode.REPLICA_IS_GONE;
    }
    boolean lost = false;
    for (MemoryReplica t : task.targets()) {
      if (t.isValid()) {
        t.isTaskTarget = false;
        t.status = Replica.COMPLETE;
      } else {
        lost = true;
        ShardState.removeReplica(e, t);
      }
    }
    if (task.move()) {
      ShardState.removeReplica(e, task.source());
      state.parkReplicas(List.of(task.source()), e.size, state.clock.nowMs() + state.settings.releaseTimeoutMs());
    }
    state.published(e);
    return lost ? ErrorCode.REPLICA_IS_GONE : ErrorCode.OK;
  }

  /** Abandons the task: targets are freed, the source unpinned. */
  public ErrorCode revoke(long client, byte[] key, int hash, boolean move) {
    ObjectEntry e = state.find(key, hash);
    Result<ReplicationTask> checked = checked(e, client, move);
    if (!checked.isOk()) {
      return checked.code();
    }
    finish(e, checked.value());
    discardTargets(e, checked.value(), false);
    dropIfEmpty(e);
    return ErrorCode.OK;
  }

  /** Tasks that outlived the release timeout: source unpinned, targets parked (a writer may still be writing). */
  void reapExpired(long now) {
    List<ObjectEntry> expired = new ArrayList<>();
    state.tasks.forEach((e, t) -> {
      if (t.startMs() + state.settings.releaseTimeoutMs() <= now) {
        expired.add(e);
      }
    });
    for (ObjectEntry e : expired) {
      ReplicationTask t = state.tasks.get(e);
      finish(e, t);
      discardTargets(e, t, true);
      dropIfEmpty(e);
    }
  }

  private Result<ReplicationTask> checked(ObjectEntry e, long client, boolean move) {
    if (e == null) {
      return Result.fail(ErrorCode.OBJECT_NOT_FOUND);
    }
    ReplicationTask task = state.tasks.get(e);
    if (task == null) {
      return Result.fail(ErrorCode.OBJECT_NO_REPLICATION_TASK);
    }
    if (task.client() != client) {
      return Result.fail(ErrorCode.ILLEGAL_CLIENT);
    }
    if (task.move() != move) {
      return Result.fail(ErrorCode.INVALID_PARAMS);
    }
    return Result.ok(task);
  }

  private void finish(ObjectEntry e, ReplicationTask task) {
    state.pins.release(task.pinId());
    state.tasks.remove(e);
    e.flags &= ~ObjectEntry.REPLICATION_TASK;
  }

  private void discardTargets(ObjectEntry e, ReplicationTask task, boolean park) {
    List<Replica> detached = new ArrayList<>();
    for (MemoryReplica t : task.targets()) {
      if (ShardState.removeReplica(e, t)) {
        detached.add(t);
      }
    }
    if (park) {
      state.parkReplicas(detached, e.size, state.clock.nowMs());
    } else {
      detached.forEach(r -> r.release(e.size));
    }
  }

  private void dropIfEmpty(ObjectEntry e) {
    if (!e.hasValidReplica()) {
      state.erase(e);
    }
  }

  private static MemoryReplica replicaOn(ObjectEntry e, String segmentName) {
    for (int i = 0; i < e.replicaCount(); i++) {
      if (e.replica(i) instanceof MemoryReplica m && m.segment().name().equals(segmentName)) {
        return m;
      }
    }
    return null;
  }
}
