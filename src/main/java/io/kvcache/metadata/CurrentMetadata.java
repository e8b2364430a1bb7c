package io.kvcache.metadata;

import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.ReplicateConfig;
import io.kvcache.replica.BulkRemoval;
import io.kvcache.util.Result;
import io.vertx.core.Future;

import java.util.List;
import java.util.function.Supplier;

/**
 * The metadata a call should use, picked at call time: on a node with the master role, its own shards while it is the
 * active master and the event bus while it is a standby (it may be promoted, or demoted, at any moment); anywhere, a
 * refusal while the node sits in a minority of the cluster.
 *
 * <p>Thread-safe if the picker is.
 */
public final class CurrentMetadata implements Metadata {
  private final Supplier<Metadata> pick;

  public CurrentMetadata(Supplier<Metadata> pick) {
    this.pick = pick;
  }

  @Override
  public Future<KeyReplicas[]> putStart(long writer, List<ObjectKey> keys, long[] sizes, ReplicateConfig config) {
    return pick.get().putStart(writer, keys, sizes, config);
  }

  @Override
  public Future<ErrorCode[]> putEnd(long writer, List<ObjectKey> keys) {
    return pick.get().putEnd(writer, keys);
  }

  @Override
  public Future<ErrorCode[]> putRevoke(long writer, List<ObjectKey> keys) {
    return pick.get().putRevoke(writer, keys);
  }

  @Override
  public Future<ReplicaLists> replicas(List<ObjectKey> keys) {
    return pick.get().replicas(keys);
  }

  @Override
  public Future<Existence> exists(List<ObjectKey> keys) {
    return pick.get().exists(keys);
  }

  @Override
  public Future<ErrorCode[]> remove(List<ObjectKey> keys, boolean force) {
    return pick.get().remove(keys, force);
  }

  @Override
  public Future<BulkRemoval> removeAll(String namespace, boolean allNamespaces, boolean force) {
    return pick.get().removeAll(namespace, allNamespaces, force);
  }

  @Override
  public Future<BulkRemoval> removeByRegex(String namespace, String regex, boolean force) {
    return pick.get().removeByRegex(namespace, regex, force);
  }

  @Override
  public Future<Result<ReplicaLocation>> writeTarget(long writer, ObjectKey key, long replicaId, long offset,
                                                     long length) {
    return pick.get().writeTarget(writer, key, replicaId, offset, length);
  }

  @Override
  public Future<Result<ReplicationStart>> startReplication(ReplicationKind kind, long client, ObjectKey key,
                                                           String sourceSegment, List<String> targetSegments) {
    return pick.get().startReplication(kind, client, key, sourceSegment, targetSegments);
  }

  @Override
  public Future<ErrorCode> finishReplication(ReplicationKind kind, boolean commit, long client, ObjectKey key) {
    return pick.get().finishReplication(kind, commit, client, key);
  }

  @Override
  public Future<Boolean> evictNow() {
    return pick.get().evictNow();
  }

  @Override
  public Future<Result<String>> createTask(boolean move, ObjectKey key, String sourceSegment,
                                           List<String> targetSegments) {
    return pick.get().createTask(move, key, sourceSegment, targetSegments);
  }

  @Override
  public Future<TaskInfo> queryTask(String taskId) {
    return pick.get().queryTask(taskId);
  }
}
