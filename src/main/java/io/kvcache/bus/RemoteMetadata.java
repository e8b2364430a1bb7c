package io.kvcache.bus;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.kvcache.metadata.Existence;
import io.kvcache.metadata.KeyReplicas;
import io.kvcache.metadata.Metadata;
import io.kvcache.metadata.ObjectKey;
import io.kvcache.metadata.ReplicaLists;
import io.kvcache.metadata.ReplicaLocation;
import io.kvcache.metadata.ReplicationKind;
import io.kvcache.metadata.ReplicationStart;
import io.kvcache.metadata.TaskInfo;
import io.kvcache.proto.bus.EvictReply;
import io.kvcache.proto.bus.EvictRequest;
import io.kvcache.proto.bus.KeyResult;
import io.kvcache.proto.bus.MetaCount;
import io.kvcache.proto.bus.MetaKeys;
import io.kvcache.proto.bus.MetaPutStart;
import io.kvcache.proto.bus.MetaRemoveAll;
import io.kvcache.proto.bus.MetaReply;
import io.kvcache.proto.bus.MetaWriteTarget;
import io.kvcache.proto.bus.ReplicationOp;
import io.kvcache.proto.bus.TaskCreate;
import io.kvcache.proto.bus.TaskCreated;
import io.kvcache.proto.bus.TaskQuery;
import io.kvcache.proto.bus.TaskState;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.ReplicateConfig;
import io.kvcache.replica.BulkRemoval;
import io.kvcache.replica.KeyCodec;
import io.kvcache.util.Result;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * {@link Metadata} over the event bus, for nodes that do not run the active master: one request per call to the
 * metadata address of whichever node holds the master lease now (the master splits it by shard).
 *
 * <p>Failover ({@link MasterCalls}): a call nobody took (no master yet, a failover under way, a node that is no longer
 * the master) did nothing, so it is asked again every 100 ms for up to {@code failoverWaitMs}. A call waiting on the
 * master's node fails the moment the cluster reports that node gone. Read-only calls use a short timeout (at most 1 s)
 * and are asked again after a timeout or a departure too; calls that change state are not (they may have been
 * applied), and fail their keys with RPC_FAIL or RPC_TIMEOUT. Every request carries the highest master term this node
 * has seen, every answer the master's term; an answer of an older term is refused (RPC_FAIL) and counted.
 *
 * <p>Thread-safe (the calls are); replies complete on the calling context.
 */
public final class RemoteMetadata implements Metadata {
  private static final long READ_TIMEOUT_MS = 1000;

  private final MasterCalls calls;
  private final DeliveryOptions options;
  private final DeliveryOptions readOptions;
  private final long failoverWaitMs;

  public RemoteMetadata(MasterCalls calls, DeliveryOptions options, long failoverWaitMs) {
    this.calls = calls;
    this.options = options;
    this.readOptions = new DeliveryOptions(options).setSendTimeout(Math.min(READ_TIMEOUT_MS, options.getSendTimeout()));
    this.failoverWaitMs = failoverWaitMs;
  }

  /** A master answer and the term it came with. */
  private record Answer(Message body, long term) {}

  private static ErrorCode codeOf(Throwable failure) {
    return BusErrors.codeOf(failure);
  }

  private Future<Answer> call(Message body, boolean readOnly) {
    return call(Addresses::metadata, body, readOnly);
  }

  private Future<Answer> call(Function<String, String> address, Message body, boolean readOnly) {
    return calls.<Message>request(address, body, readOnly ? readOptions : options, failoverWaitMs, readOnly)
        .map(reply -> new Answer(reply.body(), Fencing.term(reply)));
  }

  private Future<Message> request(Message body) {
    return call(body, false).map(Answer::body);
  }

  private static <T> T[] filled(T[] out, T value) {
    Arrays.fill(out, value);
    return out;
  }

  private Future<ErrorCode[]> codes(MetaKeys.Op op, long writer, List<ObjectKey> keys) {
    MetaKeys body = MetaKeys.newBuilder().setOp(op).setWriter(writer)
        .addAllKeys(MetadataMessages.keyBytes(keys)).build();
    return call(body, false).transform(ar -> Future.succeededFuture(ar.succeeded()
        ? MetadataMessages.codes((MetaReply) ar.result().body())
        : filled(new ErrorCode[keys.size()], codeOf(ar.cause()))));
  }

  @Override
  public Future<KeyReplicas[]> putStart(long writer, List<ObjectKey> keys, long[] sizes, ReplicateConfig config) {
    MetaPutStart.Builder body = MetaPutStart.newBuilder().setWriter(writer).setConfig(config)
        .addAllKeys(MetadataMessages.keyBytes(keys));
    for (long size : sizes) {
      body.addSizes(size);
    }
    return call(body.build(), false).transform(ar -> Future.succeededFuture(ar.succeeded()
        ? MetadataMessages.replicas((MetaReply) ar.result().body(), ar.result().term())
        : filled(new KeyReplicas[keys.size()], KeyReplicas.failed(codeOf(ar.cause())))));
  }

  @Override
  public Future<ErrorCode[]> putEnd(long writer, List<ObjectKey> keys) {
    return codes(MetaKeys.Op.PUT_END, writer, keys);
  }

  @Override
  public Future<ErrorCode[]> putRevoke(long writer, List<ObjectKey> keys) {
    return codes(MetaKeys.Op.PUT_REVOKE, writer, keys);
  }

  @Override
  public Future<ReplicaLists> replicas(List<ObjectKey> keys) {
    MetaKeys body = MetaKeys.newBuilder().setOp(MetaKeys.Op.REPLICAS).addAllKeys(MetadataMessages.keyBytes(keys))
        .build();
    return call(body, true).transform(ar -> {
      if (ar.failed()) {
        return Future.succeededFuture(new ReplicaLists(
            filled(new KeyReplicas[keys.size()], KeyReplicas.failed(codeOf(ar.cause()))), 0));
      }
      MetaReply reply = (MetaReply) ar.result().body();
      return Future.succeededFuture(new ReplicaLists(MetadataMessages.replicas(reply, ar.result().term()),
          reply.getLeaseTtlMs()));
    });
  }

  @Override
  public Future<Existence> exists(List<ObjectKey> keys) {
    MetaKeys body = MetaKeys.newBuilder().setOp(MetaKeys.Op.EXISTS).addAllKeys(MetadataMessages.keyBytes(keys))
        .build();
    return call(body, true).transform(ar -> {
      boolean[] hits = new boolean[keys.size()];
      if (ar.failed()) {
        return Future.succeededFuture(new Existence(hits, 0));
      }
      MetaReply reply = (MetaReply) ar.result().body();
      for (int i = 0; i < hits.length; i++) {
        hits[i] = reply.getResults(i).getCode() == ErrorCode.OK;
      }
      return Future.succeededFuture(new Existence(hits, reply.getLeaseTtlMs()));
    });
  }

  @Override
  public Future<ErrorCode[]> remove(List<ObjectKey> keys, boolean force) {
    return codes(force ? MetaKeys.Op.REMOVE_FORCE : MetaKeys.Op.REMOVE, 0, keys);
  }

  @Override
  public Future<BulkRemoval> removeAll(String namespace, boolean allNamespaces, boolean force) {
    String notUnicode = KeyCodec.validateNamespace(namespace);
    if (notUnicode != null) { // protobuf would send '?' in its place: another namespace
      return Future.succeededFuture(BulkRemoval.refused(ErrorCode.INVALID_PARAMS, notUnicode));
    }
    return bulk(MetaRemoveAll.newBuilder().setForce(force).setNamespace(namespace).setAllNamespaces(allNamespaces)
        .build());
  }

  @Override
  public Future<BulkRemoval> removeByRegex(String namespace, String regex, boolean force) {
    String notUnicode = KeyCodec.validateNamespace(namespace);
    notUnicode = notUnicode != null ? notUnicode : KeyCodec.unicodeProblem("regex", regex);
    if (notUnicode != null) { // protobuf would send '?' in its place: another namespace or pattern
      return Future.succeededFuture(BulkRemoval.refused(ErrorCode.INVALID_PARAMS, notUnicode));
    }
    return bulk(MetaRemoveAll.newBuilder().setForce(force).setByRegex(true).setNamespace(namespace).setRegex(regex)
        .build());
  }

  /** A bulk removal on the master; a master that does not answer is a refusal (RPC_FAIL, RPC_TIMEOUT), not a failure. */
  private Future<BulkRemoval> bulk(MetaRemoveAll body) {
    return request(body).transform(ar -> Future.succeededFuture(ar.succeeded()
        ? MetadataMessages.removal((MetaCount) ar.result())
        : BulkRemoval.refused(BusErrors.codeOf(ar.cause()), "the master did not answer: " + ar.cause().getMessage())));
  }

  @Override
  public Future<Result<ReplicaLocation>> writeTarget(long writer, ObjectKey key, long replicaId, long offset,
                                                     long length) {
    MetaWriteTarget body = MetaWriteTarget.newBuilder().setWriter(writer).setKey(ByteString.copyFrom(key.encoded()))
        .setReplicaId(replicaId).setOffset(offset).setLength(length).build();
    return call(body, false).transform(ar -> {
      if (ar.failed()) {
        return Future.succeededFuture(Result.fail(codeOf(ar.cause())));
      }
      KeyResult r = (KeyResult) ar.result().body();
      return Future.succeededFuture(r.getCode() != ErrorCode.OK ? Result.fail(r.getCode())
          : Result.ok(ReplicaLocation.of(r.getReplicas(0), ar.result().term())));
    });
  }

  @Override
  public Future<Result<ReplicationStart>> startReplication(ReplicationKind kind, long client, ObjectKey key,
                                                           String sourceSegment, List<String> targetSegments) {
    ReplicationOp body = ReplicationOp.newBuilder().setKind(MetadataMessages.kind(kind))
        .setStep(ReplicationOp.Step.START).setClient(client).setKey(ByteString.copyFrom(key.encoded()))
        .setSourceSegment(sourceSegment).addAllTargetSegments(targetSegments).build();
    return call(body, false).transform(ar -> Future.succeededFuture(ar.succeeded()
        ? MetadataMessages.started((KeyResult) ar.result().body(), ar.result().term())
        : Result.fail(codeOf(ar.cause()))));
  }

  @Override
  public Future<ErrorCode> finishReplication(ReplicationKind kind, boolean commit, long client, ObjectKey key) {
    ReplicationOp body = ReplicationOp.newBuilder().setKind(MetadataMessages.kind(kind))
        .setStep(commit ? ReplicationOp.Step.END : ReplicationOp.Step.REVOKE).setClient(client)
        .setKey(ByteString.copyFrom(key.encoded())).build();
    return request(body).transform(ar -> Future.succeededFuture(ar.succeeded()
        ? ((KeyResult) ar.result()).getCode() : codeOf(ar.cause())));
  }

  @Override
  public Future<Boolean> evictNow() {
    return call(Addresses::evict, EvictRequest.getDefaultInstance(), false)
        .transform(ar -> Future.succeededFuture(ar.succeeded() && ((EvictReply) ar.result().body()).getFreed()));
  }

  @Override
  public Future<Result<String>> createTask(boolean move, ObjectKey key, String sourceSegment,
                                           List<String> targetSegments) {
    TaskCreate body = TaskCreate.newBuilder().setMove(move).setKey(ByteString.copyFrom(key.encoded()))
        .setSourceSegment(sourceSegment).addAllTargetSegments(targetSegments).build();
    return request(body).transform(ar -> {
      if (ar.failed()) {
        return Future.succeededFuture(Result.fail(codeOf(ar.cause())));
      }
      TaskCreated created = (TaskCreated) ar.result();
      return Future.succeededFuture(created.getCode() == ErrorCode.OK ? Result.ok(created.getTaskId())
          : Result.fail(created.getCode()));
    });
  }

  @Override
  public Future<TaskInfo> queryTask(String taskId) {
    return call(TaskQuery.newBuilder().setTaskId(taskId).build(), true).transform(ar -> {
      if (ar.failed()) {
        return Future.succeededFuture(TaskInfo.failed(codeOf(ar.cause())));
      }
      TaskState s = (TaskState) ar.result().body();
      return Future.succeededFuture(new TaskInfo(s.getCode(), s.getStatus(), s.getMessage(), s.getAssignedNode()));
    });
  }
}
