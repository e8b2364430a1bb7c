package io.kvcache.metadata;

import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.ReplicateConfig;
import io.kvcache.replica.BulkRemoval;
import io.kvcache.util.Result;
import io.vertx.core.Future;

import java.util.Arrays;
import java.util.List;

/**
 * Metadata that answers every key with one error code and does nothing: what a gateway uses while its node sits in a
 * minority of the cluster, and what a master answers while it is fenced (its lease lapsed).
 *
 * <p>Stateless and thread-safe.
 */
public final class RefusingMetadata implements Metadata {
  private final ErrorCode code;

  public RefusingMetadata(ErrorCode code) {
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }

  private ErrorCode[] codes(int n) {
    ErrorCode[] out = new ErrorCode[n];
    Arrays.fill(out, code);
    return out;
  }

  private KeyReplicas[] failed(int n) {
    KeyReplicas[] out = new KeyReplicas[n];
    Arrays.fill(out, KeyReplicas.failed(code));
    return out;
  }

  @Override
  public Future<KeyReplicas[]> putStart(long writer, List<ObjectKey> keys, long[] sizes, ReplicateConfig config) {
    return Future.succeededFuture(failed(keys.size()));
  }

  @Override
  public Future<ErrorCode[]> putEnd(long writer, List<ObjectKey> keys) {
    return Future.succeededFuture(codes(keys.size()));
  }

  @Override
  public Future<ErrorCode[]> putRevoke(long writer, List<ObjectKey> keys) {
    return Future.succeededFuture(codes(keys.size()));
  }

  @Override
  public Future<ReplicaLists> replicas(List<ObjectKey> keys) {
    return Future.succeededFuture(new ReplicaLists(failed(keys.size()), 0));
  }

  @Override
  public Future<Existence> exists(List<ObjectKey> keys) {
    return Future.succeededFuture(new Existence(new boolean[keys.size()], 0));
  }

  @Override
  public Future<ErrorCode[]> remove(List<ObjectKey> keys, boolean force) {
    return Future.succeededFuture(codes(keys.size()));
  }

  @Override
  public Future<BulkRemoval> removeAll(String namespace, boolean allNamespaces, boolean force) {
    return Future.succeededFuture(BulkRemoval.refused(code, "metadata unavailable: " + code));
  }

  @Override
  public Future<BulkRemoval> removeByRegex(String namespace, String regex, boolean force) {
    return Future.succeededFuture(BulkRemoval.refused(code, "metadata unavailable: " + code));
  }

  @Override
  public Future<Result<ReplicaLocation>> writeTarget(long writer, ObjectKey key, long replicaId, long offset,
                                                     long length) {
    return Future.succeededFuture(Result.fail(code));
  }

  @Override
  public Future<Result<ReplicationStart>> startReplication(ReplicationKind kind, long client, ObjectKey key,
                                                           String sourceSegment, List<String> targetSegments) {
    return Future.succeededFuture(Result.fail(code));
  }

  @Override
  public Future<ErrorCode> finishReplication(ReplicationKind kind, boolean commit, long client, ObjectKey key) {
    return Future.succeededFuture(code);
  }

  @Override
  public Future<Boolean> evictNow() {
    return Future.succeededFuture(false);
  }

  @Override
  public Future<Result<String>> createTask(boolean move, ObjectKey key, String sourceSegment,
                                           List<String> targetSegments) {
    return Future.succeededFuture(Result.fail(code));
  }

  @Override
  public Future<TaskInfo> queryTask(String taskId) {
    return Future.succeededFuture(TaskInfo.failed(code));
  }
}
