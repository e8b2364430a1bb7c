package io.kvcache.replica;

import io.kvcache.alloc.AllocationStrategies;
import io.kvcache.app.KvStoreOptions;
import io.kvcache.app.NodeContext;
import io.kvcache.bus.Addresses;
import io.kvcache.proto.bus.KeyResult;
import io.kvcache.proto.bus.SegmentsGone;
import io.kvcache.proto.bus.ShardCount;
import io.kvcache.proto.bus.ShardKeys;
import io.kvcache.proto.bus.ShardPutStart;
import io.kvcache.proto.bus.ShardRemoveAll;
import io.kvcache.proto.bus.ReplicationOp;
import io.kvcache.proto.bus.ShardReply;
import io.kvcache.proto.bus.ShardWriteCheck;
import io.kvcache.proto.v1.ErrorCode;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One metadata shard on the event bus ({@code kv.replica.<shard>}): a thin adapter that decodes shard requests, calls
 * {@link ReplicaShard} on this verticle's event loop (the loop is the shard's lock) and encodes per-key results.
 */
public final class ReplicaVerticle extends VerticleBase {
  private static final long SWEEP_INTERVAL_MS = 1000;
  /** Largest replica_num a put may ask for: far above any cluster's segment count, small enough to bound work. */
  private static final int MAX_REPLICAS = 64;

  private final NodeContext node;
  private final int shardIndex;
  private final ShardShared shared;
  private ReplicaShard shard;
  private long sweepTimer = -1;

  public ReplicaVerticle(NodeContext node, int shardIndex, ShardShared shared) {
    this.node = node;
    this.shardIndex = shardIndex;
    this.shared = shared;
  }

  /** The settings every shard of this node's master uses. */
  public static ShardSettings settings(KvStoreOptions o) {
    return new ShardSettings(o.leaseTtlMs(), o.putStartDiscardTimeoutMs(), o.putStartReleaseTimeoutMs(),
        o.softPinDefaultTtlMs(), o.softPinMaxTtlMs(), o.maxValueSize(), MAX_REPLICAS);
  }

  @Override
  public Future<?> start() {
    shard = new ReplicaShard(shardIndex, shared,
        AllocationStrategies.create(node.options().allocationStrategy(), System.nanoTime() ^ shardIndex));
    Tags tags = Tags.of("shard", String.valueOf(shardIndex));
    Gauge.builder("kvstore_replica_objects", shard, ReplicaShard::objectCount)
        .tags(tags).description("Objects in this shard").register(node.meters());
    Gauge.builder("kvstore_replica_live_leases", shard, ReplicaShard::liveLeases)
        .tags(tags).description("Objects with a live read lease").register(node.meters());
    Gauge.builder("kvstore_replica_parked_buffers", shard, ReplicaShard::parkedCount)
        .tags(tags).description("Preempted or abandoned buffer sets waiting for the release timeout")
        .register(node.meters());
    sweepTimer = vertx.setPeriodic(SWEEP_INTERVAL_MS, id -> shard.sweep());
    MessageConsumer<com.google.protobuf.Message> consumer =
        vertx.eventBus().consumer(Addresses.replica(shardIndex), this::onMessage);
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(sweepTimer);
    return Future.succeededFuture();
  }

  /** Runs {@code step} on this shard's event loop (the only thread that may touch it) and hands back its result. */
  public <T> CompletableFuture<T> call(Function<ReplicaShard, T> step) {
    CompletableFuture<T> result = new CompletableFuture<>();
    context.runOnContext(ignored -> {
      try {
        result.complete(step.apply(shard));
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
    });
    return result;
  }

  private void onMessage(Message<com.google.protobuf.Message> msg) {
    switch (msg.body()) {
      case ShardPutStart p -> msg.reply(putStart(p));
      case ShardKeys k -> msg.reply(keys(k));
      case ShardWriteCheck w -> msg.reply(writeCheck(w));
      case ShardRemoveAll r -> msg.reply(removeAll(r));
      case ReplicationOp r -> msg.reply(replication(r));
      case SegmentsGone ignored -> shard.dropObjectsWithoutValidReplica();
      default -> msg.fail(400, "unexpected body " + msg.body().getClass().getSimpleName());
    }
  }

  private ShardReply putStart(ShardPutStart p) {
    ShardReply.Builder reply = ShardReply.newBuilder();
    if (p.getKeysCount() != p.getSizesCount()) {
      for (int i = 0; i < p.getKeysCount(); i++) {
        reply.addResults(KeyResult.newBuilder().setCode(ErrorCode.INVALID_PARAMS));
      }
      return reply.build();
    }
    for (int i = 0; i < p.getKeysCount(); i++) {
      byte[] key = p.getKeys(i).toByteArray();
      int hash = KeyCodec.hash(key);
      ErrorCode code = shard.putStart(p.getWriter(), key, hash, p.getSizes(i), p.getConfig());
      KeyResult.Builder result = KeyResult.newBuilder().setCode(code);
      if (code == ErrorCode.OK) {
        ObjectEntry e = shard.find(key, hash);
        result.setSize(e.size());
        ReplicaDescriptors.all(e, result::addReplicas);
      }
      reply.addResults(result);
    }
    return reply.build();
  }

  private ShardReply keys(ShardKeys k) {
    ShardReply.Builder reply = ShardReply.newBuilder().setLeaseTtlMs(shard.settings().leaseTtlMs());
    for (int i = 0; i < k.getKeysCount(); i++) {
      byte[] key = k.getKeys(i).toByteArray();
      int hash = KeyCodec.hash(key);
      KeyResult.Builder result = KeyResult.newBuilder();
      switch (k.getOp()) {
        case PUT_END -> result.setCode(shard.putEnd(k.getWriter(), key, hash));
        case PUT_REVOKE -> result.setCode(shard.putRevoke(k.getWriter(), key, hash));
        case EXISTS -> result.setCode(shard.exists(key, hash) ? ErrorCode.OK : ErrorCode.OBJECT_NOT_FOUND);
        case REMOVE -> result.setCode(shard.remove(key, hash, false));
        case REMOVE_FORCE -> result.setCode(shard.remove(key, hash, true));
        case DESCRIBE -> {
          ObjectEntry e = shard.find(key, hash);
          result.setCode(e == null ? ErrorCode.OBJECT_NOT_FOUND : ErrorCode.OK);
          if (e != null) {
            result.setSize(e.size());
            ReplicaDescriptors.readable(e, result::addReplicas);
          }
        }
        case REPLICA_LIST -> {
          ErrorCode code = shard.lease(key, hash);
          result.setCode(code);
          if (code == ErrorCode.OK) {
            ObjectEntry e = shard.find(key, hash);
            result.setSize(e.size());
            ReplicaDescriptors.readable(e, result::addReplicas);
          }
        }
        default -> result.setCode(ErrorCode.INVALID_PARAMS);
      }
      reply.addResults(result);
    }
    return reply.build();
  }

  private KeyResult writeCheck(ShardWriteCheck w) {
    byte[] key = w.getKey().toByteArray();
    int hash = KeyCodec.hash(key);
    MemoryReplica target = shard.writableReplica(w.getWriter(), key, hash, w.getReplicaId(), w.getOffset(),
        w.getLength());
    KeyResult.Builder result = KeyResult.newBuilder().setCode(shard.writeCheckError());
    if (target != null) {
      ObjectEntry e = shard.find(key, hash);
      result.setSize(e.size()).addReplicas(ReplicaDescriptors.describe(e, target));
    }
    return result.build();
  }

  private KeyResult replication(ReplicationOp r) {
    byte[] key = r.getKey().toByteArray();
    int hash = KeyCodec.hash(key);
    ShardReplication.Task task = null;
    ErrorCode code;
    ShardReplication domain = shard.replication();
    switch (r.getOp()) {
      case COPY_START -> task = domain.copyStart(r.getClient(), key, hash, r.getSourceSegment(), r.getTargetSegmentsList());
      case MOVE_START -> task = domain.moveStart(r.getClient(), key, hash, r.getSourceSegment(),
          r.getTargetSegmentsCount() == 1 ? r.getTargetSegments(0) : "");
      default -> { }
    }
    code = switch (r.getOp()) {
      case COPY_START, MOVE_START -> task != null ? ErrorCode.OK : domain.lastError();
      case COPY_END -> domain.end(r.getClient(), key, hash, false);
      case MOVE_END -> domain.end(r.getClient(), key, hash, true);
      case COPY_REVOKE -> domain.revoke(r.getClient(), key, hash, false);
      case MOVE_REVOKE -> domain.revoke(r.getClient(), key, hash, true);
      default -> ErrorCode.INVALID_PARAMS;
    };
    KeyResult.Builder result = KeyResult.newBuilder().setCode(code);
    if (task != null) {
      ObjectEntry e = shard.find(key, hash);
      result.setSize(e.size()).addReplicas(ReplicaDescriptors.describe(e, task.source()));
      task.targets().forEach(t -> result.addReplicas(ReplicaDescriptors.describe(e, t)));
    }
    return result.build();
  }

  private ShardCount removeAll(ShardRemoveAll r) {
    Predicate<byte[]> filter = null;
    if (r.getInNamespace()) {
      byte[] prefix = r.getNamespacePrefix().toByteArray();
      filter = key -> KeyCodec.inNamespace(key, prefix);
    }
    if (!r.getRegex().isEmpty()) {
      Pattern pattern;
      try {
        pattern = Pattern.compile(r.getRegex());
      } catch (PatternSyntaxException e) {
        return ShardCount.newBuilder().setCode(ErrorCode.INVALID_PARAMS).build();
      }
      Predicate<byte[]> matches = key -> pattern.matcher(KeyCodec.userKey(key)).find();
      filter = filter == null ? matches : filter.and(matches);
    }
    return ShardCount.newBuilder().setCount(shard.removeMatching(filter, r.getForce())).build();
  }
}
