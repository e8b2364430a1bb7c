package io.kvcache.replica;

import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.ReplicateConfig;
import io.kvcache.proto.v1.SoftPinAction;
import io.kvcache.util.Result;

/**
 * The put path of a shard (reference §1–§2): PutStart reserves PROCESSING replicas on distinct segments (preempting a
 * stale unfinished put of the same key after the discard timeout, its buffers parked until the release timeout), the
 * writer fills them, PutEnd makes them readable (and queues the object for SSD when offload is on), PutRevoke drops
 * them. Only the writer that started a put may write, end or revoke it.
 *
 * <p>Not thread-safe: part of one shard.
 */
public final class PutOps {
  private final ShardState state;
  private final ShardPlacement placement;
  private final OffloadOps offload;

  PutOps(ShardState state, ShardPlacement placement, OffloadOps offload) {
    this.state = state;
    this.placement = placement;
    this.offload = offload;
  }

  /** Reserves PROCESSING replicas for a new value; the entry holds them. */
  public Result<ObjectEntry> putStart(long writer, byte[] key, int hash, long size, ReplicateConfig config) {
    ShardSettings settings = state.settings;
    int replicaNum = config.hasReplicaNum() ? config.getReplicaNum() : 1;
    if (size <= 0 || size > settings.maxValueSize() || replicaNum <= 0 || replicaNum > settings.maxReplicas()) {
      return Result.fail(ErrorCode.INVALID_PARAMS);
    }
    long softPinTtl = requestedSoftPinTtl(config);
    if (softPinTtl < 0) {
      return Result.fail(ErrorCode.INVALID_PARAMS);
    }
    long now = state.clock.nowMs();
    ObjectEntry existing = state.find(key, hash);
    if (existing != null) {
      boolean anyComplete = !existing.isProcessing() || hasCompleteReplica(existing);
      if (anyComplete || existing.pending.startMs + settings.discardTimeoutMs() >= now) {
        return Result.fail(ErrorCode.OBJECT_ALREADY_EXISTS);
      }
      state.park(existing, existing.pending.startMs + settings.releaseTimeoutMs());
      state.erase(existing);
    }
    int placed = placement.place(size, replicaNum, config.getPreferredSegmentsList());
    if (placed == ErrorCode.INVALID_PARAMS_VALUE) {
      return Result.fail(ErrorCode.INVALID_PARAMS);
    }
    if (placed <= 0) {
      state.metrics.putStartAllocFailures.increment();
      if (placement.segmentCount() >= replicaNum) { // the reference's condition: more segments would not help
        state.shared.evictionWanted().set(true);
      }
      return Result.fail(ErrorCode.NO_AVAILABLE_HANDLE);
    }
    if (placed < replicaNum) {
      state.metrics.putStartPartialAllocations.increment();
    }
    ObjectEntry e = new ObjectEntry(key, hash, size);
    for (int i = 0; i < placed; i++) {
      e.addReplica(placement.replica(i));
    }
    e.flags = ObjectEntry.PROCESSING | (config.getHardPin() ? ObjectEntry.HARD_PINNED : 0);
    e.pending = new ObjectEntry.PendingPut(writer, now, softPinTtl);
    if (!config.getGroupId().isEmpty()) {
      e.setGroup(state.shared.groups().join(config.getGroupId()));
    }
    state.objects.insert(e);
    state.processing.add(e);
    return Result.ok(e);
  }

  /** Soft-pin TTL a put asks for: 0 none, &gt;0 the TTL, -1 invalid (TTL with PRESERVE/DISABLE, or above the max). */
  private long requestedSoftPinTtl(ReplicateConfig config) {
    if (!config.hasSoftPin()) {
      return 0;
    }
    SoftPinAction action = config.getSoftPin().getAction();
    boolean hasTtl = config.getSoftPin().hasTtlMs();
    long ttl = config.getSoftPin().getTtlMs();
    return switch (action) {
      case ENABLE -> !hasTtl ? state.settings.defaultSoftPinTtlMs() : ttl > state.settings.maxSoftPinTtlMs() ? -1 : ttl;
      case PRESERVE, DISABLE -> hasTtl ? -1 : 0;
      default -> -1;
    };
  }

  /** Makes the written replicas readable. Idempotent once complete; only the writer may end its put. */
  public ErrorCode putEnd(long writer, byte[] key, int hash) {
    ObjectEntry e = state.find(key, hash);
    if (e == null) {
      return ErrorCode.OBJECT_NOT_FOUND;
    }
    if (!e.isProcessing()) {
      return e.allReplicasComplete() ? ErrorCode.OK : ErrorCode.INVALID_WRITE;
    }
    if (e.pending.writer != writer) {
      return ErrorCode.ILLEGAL_CLIENT;
    }
    long now = state.clock.nowMs();
    for (int i = 0; i < e.replicaCount(); i++) {
      Replica r = e.replica(i);
      if (r.status == Replica.PROCESSING && !r.isTaskTarget) {
        r.status = Replica.COMPLETE;
      }
    }
    if (e.pending.softPinTtlMs > 0) {
      e.setSoftPinDeadlineMs(now + e.pending.softPinTtlMs); // the pin starts when the value becomes readable
    }
    e.leaseDeadlineMs = Math.max(e.leaseDeadlineMs, now); // readable and immediately evictable (reference item 16)
    state.finishProcessing(e);
    state.published(e);
    if (offload.settings().atPutEnd()) {
      offload.enqueue(e, now);
    }
    return ErrorCode.OK;
  }

  /** Drops the PROCESSING replicas of the writer's put at once; the object goes if nothing else remains. */
  public ErrorCode putRevoke(long writer, byte[] key, int hash) {
    ObjectEntry e = state.find(key, hash);
    if (e == null) {
      return ErrorCode.OBJECT_NOT_FOUND;
    }
    if (!e.isProcessing()) {
      return ErrorCode.INVALID_WRITE;
    }
    if (e.pending.writer != writer) {
      return ErrorCode.ILLEGAL_CLIENT;
    }
    for (int i = e.replicaCount() - 1; i >= 0; i--) {
      Replica r = e.replica(i);
      if (r.status == Replica.PROCESSING && !r.isTaskTarget) {
        r.release(e.size);
        e.removeReplica(i);
      }
    }
    if (!e.hasValidReplica()) {
      state.erase(e);
    } else {
      state.finishProcessing(e);
    }
    return ErrorCode.OK;
  }

  /**
   * The PROCESSING replica {@code replicaId} of a key that {@code writer} may write {@code length} bytes of at
   * {@code offset}: its own put's, or a copy/move target of its task.
   */
  public Result<MemoryReplica> writableReplica(long writer, byte[] key, int hash, long replicaId, long offset,
                                               long length) {
    ObjectEntry e = state.find(key, hash);
    if (e == null) {
      return Result.fail(ErrorCode.OBJECT_NOT_FOUND);
    }
    ReplicationTask task = state.tasks.get(e);
    boolean putWriter = e.isProcessing() && e.pending.writer == writer;
    boolean taskWriter = task != null && task.client() == writer;
    ErrorCode refusal = !e.isProcessing() && !e.hasReplicationTask() ? ErrorCode.INVALID_WRITE
        : !putWriter && !taskWriter ? ErrorCode.ILLEGAL_CLIENT
        : offset < 0 || length < 0 || offset > e.size - length ? ErrorCode.INVALID_PARAMS
        : ErrorCode.OK;
    if (refusal != ErrorCode.OK) {
      return Result.fail(refusal);
    }
    for (int i = 0; i < e.replicaCount(); i++) {
      if (e.replica(i) instanceof MemoryReplica m && m.id() == replicaId && m.status == Replica.PROCESSING
          && (taskWriter ? m.isTaskTarget : putWriter && !m.isTaskTarget)) {
        return Result.ok(m);
      }
    }
    return Result.fail(ErrorCode.REPLICA_NOT_FOUND);
  }

  private static boolean hasCompleteReplica(ObjectEntry e) {
    for (int i = 0; i < e.replicaCount(); i++) {
      if (e.replica(i).isComplete()) {
        return true;
      }
    }
    return false;
  }
}
