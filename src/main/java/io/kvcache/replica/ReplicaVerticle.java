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
import io.kvcache.proto.bus.ShardReply;
import io.kvcache.proto.bus.ShardWriteCheck;
import io.kvcache.proto.v1.ErrorCode;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;

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
  private ReplicaShard shard;
  private long sweepTimer = -1;

  public ReplicaVerticle(NodeContext node, int shardIndex) {
    this.node = node;
    this.shardIndex = shardIndex;
  }

  @Override
  public Future<?> start() {
    KvStoreOptions o = node.options();
    ShardSettings settings = new ShardSettings(o.leaseTtlMs(), o.putStartDiscardTimeoutMs(),
        o.putStartReleaseTimeoutMs(), o.softPinDefaultTtlMs(), o.softPinMaxTtlMs(), o.maxValueSize(), MAX_REPLICAS);
    // Micrometer returns the already-registered meters for the same names, so all shards share the counters.
    shard = new ReplicaShard(settings, node.segmentRegistry(),
        AllocationStrategies.create(o.allocationStrategy(), System.nanoTime() ^ shardIndex),
        MillisClock.MONOTONIC, new ReplicaMetrics(node.meters()));
    Gauge.builder("kvstore_replica_objects", shard, ReplicaShard::objectCount)
        .tags(Tags.of("shard", String.valueOf(shardIndex))).description("Objects in this shard").register(node.meters());
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

  /** For tests in the same JVM: the domain object behind this verticle (touch only from its event loop). */
  public ReplicaShard shard() {
    return shard;
  }

  private void onMessage(Message<com.google.protobuf.Message> msg) {
    switch (msg.body()) {
      case ShardPutStart p -> msg.reply(putStart(p));
      case ShardKeys k -> msg.reply(keys(k));
      case ShardWriteCheck w -> msg.reply(writeCheck(w));
      case ShardRemoveAll r -> msg.reply(removeAll(r));
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

  private ShardCount removeAll(ShardRemoveAll r) {
    if (r.getRegex().isEmpty()) {
      return ShardCount.newBuilder().setCount(shard.removeMatching(null, r.getForce())).build();
    }
    Pattern pattern;
    try {
      pattern = Pattern.compile(r.getRegex());
    } catch (PatternSyntaxException e) {
      return ShardCount.newBuilder().setCode(ErrorCode.INVALID_PARAMS).build();
    }
    long removed = shard.removeMatching(key -> pattern.matcher(KeyCodec.userKey(key)).find(), r.getForce());
    return ShardCount.newBuilder().setCount(removed).build();
  }
}
