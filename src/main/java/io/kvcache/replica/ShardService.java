package io.kvcache.replica;

import com.google.protobuf.Message;
import io.kvcache.alloc.AllocationStrategy;
import io.kvcache.proto.bus.KeyResult;
import io.kvcache.proto.bus.ReplicationOp;
import io.kvcache.proto.bus.SegmentsGone;
import io.kvcache.proto.bus.ShardCount;
import io.kvcache.proto.bus.ShardKeys;
import io.kvcache.proto.bus.ShardPutStart;
import io.kvcache.proto.bus.ShardRemoveAll;
import io.kvcache.proto.bus.ShardReply;
import io.kvcache.proto.bus.ShardWriteCheck;
import io.kvcache.proto.v1.ErrorCode;

import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One metadata shard behind its lock: decodes a shard request (the protobuf bodies of {@code kv.replica.<shard>}),
 * runs it on {@link ReplicaShard} and encodes the per-key results. The same entry point serves the event bus (requests
 * from gateways on other nodes) and direct calls from a gateway on the master's own node — which then runs a whole put
 * or get on its own thread, without handing off to another event loop.
 *
 * <p>Thread-safe: every access to the shard holds this object's monitor (one lock per shard, so shards never contend).
 */
public final class ShardService {
  private final ReplicaShard shard;

  public ShardService(int index, ShardShared shared, AllocationStrategy strategy) {
    this.shard = new ReplicaShard(index, shared, strategy);
  }

  public int index() {
    return shard.index();
  }

  /** Runs {@code step} on the shard under its lock. */
  public synchronized <T> T call(Function<ReplicaShard, T> step) {
    return step.apply(shard);
  }

  /** Answers one shard request; null for a one-way notification. Unknown bodies are refused. */
  public synchronized Message handle(Message body) {
    return switch (body) {
      case ShardPutStart p -> putStart(p);
      case ShardKeys k -> keys(k);
      case ShardWriteCheck w -> writeCheck(w);
      case ShardRemoveAll r -> removeAll(r);
      case ReplicationOp r -> replication(r);
      case SegmentsGone ignored -> {
        shard.dropObjectsWithoutValidReplica();
        yield null;
      }
      default -> throw new IllegalArgumentException("unexpected shard request " + body.getClass().getSimpleName());
    };
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
      case PROMOTE_START -> task = domain.promoteStart(r.getClient(), key, hash, r.getTargetSegmentsList());
      default -> { }
    }
    code = switch (r.getOp()) {
      case COPY_START, MOVE_START, PROMOTE_START -> task != null ? ErrorCode.OK : domain.lastError();
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
