package io.kvcache.master;

import io.kvcache.metadata.Existence;
import io.kvcache.metadata.KeyReplicas;
import io.kvcache.metadata.Metadata;
import io.kvcache.metadata.ObjectKey;
import io.kvcache.metadata.RefusingMetadata;
import io.kvcache.metadata.ReplicaLists;
import io.kvcache.metadata.ReplicaLocation;
import io.kvcache.metadata.ReplicationKind;
import io.kvcache.metadata.ReplicationStart;
import io.kvcache.metadata.TaskInfo;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.ReplicateConfig;
import io.kvcache.replica.BulkRemoval;
import io.kvcache.util.Result;
import io.vertx.core.Future;

import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Self-fencing of the active master's metadata: every call checks, synchronously, that this node still holds a valid
 * lease (before doing anything) and again once it is done; if the lease lapsed in between — the node was paused
 * mid-call, say — the answer is replaced by a refusal, so nothing is acknowledged by a master that may already have a
 * successor. Refusals are UNAVAILABLE_IN_CURRENT_MODE per key: nothing the caller asked for was done (or what was done
 * will be discarded with this master's state when it steps down).
 *
 * <p>Thread-safe if the delegate and the lease check are.
 */
final class FencedMetadata implements Metadata {
  private static final RefusingMetadata REFUSED = new RefusingMetadata(ErrorCode.UNAVAILABLE_IN_CURRENT_MODE);

  private final Metadata delegate;
  private final BooleanSupplier serving;

  FencedMetadata(Metadata delegate, BooleanSupplier serving) {
    this.delegate = delegate;
    this.serving = serving;
  }

  private <T> Future<T> fenced(Supplier<Future<T>> call, Function<RefusingMetadata, Future<T>> refusal) {
    if (!serving.getAsBoolean()) {
      return refusal.apply(REFUSED);
    }
    Future<T> done = call.get();
    if (done.isComplete()) { // the common case: answered on this thread, so check again now without a compose
      return done.succeeded() && !serving.getAsBoolean() ? refusal.apply(REFUSED) : done;
    }
    return done.compose(r -> serving.getAsBoolean() ? Future.succeededFuture(r) : refusal.apply(REFUSED));
  }

  @Override
  public Future<KeyReplicas[]> putStart(long writer, List<ObjectKey> keys, long[] sizes, ReplicateConfig config) {
    return fenced(() -> delegate.putStart(writer, keys, sizes, config), r -> r.putStart(writer, keys, sizes, config));
  }

  @Override
  public Future<ErrorCode[]> putEnd(long writer, List<ObjectKey> keys) {
    return fenced(() -> delegate.putEnd(writer, keys), r -> r.putEnd(writer, keys));
  }

  @Override
  public Future<ErrorCode[]> putRevoke(long writer, List<ObjectKey> keys) {
    return fenced(() -> delegate.putRevoke(writer, keys), r -> r.putRevoke(writer, keys));
  }

  @Override
  public Future<ReplicaLists> replicas(List<ObjectKey> keys) {
    return fenced(() -> delegate.replicas(keys), r -> r.replicas(keys));
  }

  @Override
  public Future<Existence> exists(List<ObjectKey> keys) {
    return fenced(() -> delegate.exists(keys), r -> r.exists(keys));
  }

  @Override
  public Future<ErrorCode[]> remove(List<ObjectKey> keys, boolean force) {
    return fenced(() -> delegate.remove(keys, force), r -> r.remove(keys, force));
  }

  @Override
  public Future<BulkRemoval> removeAll(String namespace, boolean allNamespaces, boolean force) {
    return fenced(() -> delegate.removeAll(namespace, allNamespaces, force),
        r -> r.removeAll(namespace, allNamespaces, force));
  }

  @Override
  public Future<BulkRemoval> removeByRegex(String namespace, String regex, boolean force) {
    return fenced(() -> delegate.removeByRegex(namespace, regex, force), r -> r.removeByRegex(namespace, regex, force));
  }

  @Override
  public Future<Result<ReplicaLocation>> writeTarget(long writer, ObjectKey key, long replicaId, long offset,
                                                     long length) {
    return fenced(() -> delegate.writeTarget(writer, key, replicaId, offset, length),
        r -> r.writeTarget(writer, key, replicaId, offset, length));
  }

  @Override
  public Future<Result<ReplicationStart>> startReplication(ReplicationKind kind, long client, ObjectKey key,
                                                           String sourceSegment, List<String> targetSegments) {
    return fenced(() -> delegate.startReplication(kind, client, key, sourceSegment, targetSegments),
        r -> r.startReplication(kind, client, key, sourceSegment, targetSegments));
  }

  @Override
  public Future<ErrorCode> finishReplication(ReplicationKind kind, boolean commit, long client, ObjectKey key) {
    return fenced(() -> delegate.finishReplication(kind, commit, client, key),
        r -> r.finishReplication(kind, commit, client, key));
  }

  @Override
  public Future<Boolean> evictNow() {
    return fenced(delegate::evictNow, RefusingMetadata::evictNow);
  }

  @Override
  public Future<Result<String>> createTask(boolean move, ObjectKey key, String sourceSegment,
                                           List<String> targetSegments) {
    return fenced(() -> delegate.createTask(move, key, sourceSegment, targetSegments),
        r -> r.createTask(move, key, sourceSegment, targetSegments));
  }

  @Override
  public Future<TaskInfo> queryTask(String taskId) {
    return fenced(() -> delegate.queryTask(taskId), r -> r.queryTask(taskId));
  }
}
