package io.kvcache.metadata;

import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.ReplicateConfig;
import io.kvcache.replica.BulkRemoval;
import io.kvcache.util.Result;
import io.vertx.core.Future;

import java.util.List;

/**
 * What a gateway (or a storage node's task worker) asks of the master's metadata. Two implementations: direct calls on
 * the shards when the active master runs in this node, the event bus otherwise. Per-key results come back in the
 * caller's key order; a key whose shard could not be asked reports an error code (RPC_FAIL, RPC_TIMEOUT), never a
 * failed future. Futures complete on the caller's context.
 */
public interface Metadata {
  /** Reserves PROCESSING replicas for each key ({@code sizes[i]} bytes). */
  Future<KeyReplicas[]> putStart(long writer, List<ObjectKey> keys, long[] sizes, ReplicateConfig config);

  /** Makes the writer's written replicas readable. */
  Future<ErrorCode[]> putEnd(long writer, List<ObjectKey> keys);

  /** Drops the writer's PROCESSING replicas. */
  Future<ErrorCode[]> putRevoke(long writer, List<ObjectKey> keys);

  /** Readable replicas of each key, under a read lease. */
  Future<ReplicaLists> replicas(List<ObjectKey> keys);

  /** Which keys are readable (a hit is leased too). */
  Future<Existence> exists(List<ObjectKey> keys);

  Future<ErrorCode[]> remove(List<ObjectKey> keys, boolean force);

  /**
   * Removes the namespace's removable objects, or every namespace's when {@code allNamespaces} (the namespace must then
   * be empty); the count removed, or why nothing was (an invalid namespace: INVALID_PARAMS).
   */
  Future<BulkRemoval> removeAll(String namespace, boolean allNamespaces, boolean force);

  /**
   * Removes the namespace's removable objects whose key matches {@code regex} (RE2 syntax, substring search); an
   * invalid or unsupported regex is INVALID_PARAMS, a scan past the budget BUDGET_EXCEEDED, and then nothing is
   * removed.
   */
  Future<BulkRemoval> removeByRegex(String namespace, String regex, boolean force);

  /** The PROCESSING replica {@code replicaId} of the key, if {@code writer} may write {@code [offset, +length)} of it. */
  Future<Result<ReplicaLocation>> writeTarget(long writer, ObjectKey key, long replicaId, long offset, long length);

  /**
   * Starts a copy or move from {@code sourceSegment} to {@code targetSegments}, or a promotion (targets are then the
   * preferred segments); {@code client} is the task's owner for writes, end and revoke.
   */
  Future<Result<ReplicationStart>> startReplication(ReplicationKind kind, long client, ObjectKey key,
                                                    String sourceSegment, List<String> targetSegments);

  /** Ends ({@code commit}) or revokes the client's task on the key. */
  Future<ErrorCode> finishReplication(ReplicationKind kind, boolean commit, long client, ObjectKey key);

  /** Asks for an eviction round now; true if it freed anything (false also when the master could not be asked). */
  Future<Boolean> evictNow();

  /** Queues a master-driven copy or move; the task id. */
  Future<Result<String>> createTask(boolean move, ObjectKey key, String sourceSegment, List<String> targetSegments);

  Future<TaskInfo> queryTask(String taskId);
}
