package io.kvcache.master;

import com.google.protobuf.Message;
import io.kvcache.bus.Addresses;
import io.kvcache.bus.MetadataMessages;
import io.kvcache.metadata.Metadata;
import io.kvcache.metadata.ObjectKey;
import io.kvcache.proto.bus.KeyResult;
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
import io.kvcache.util.RateLimitedLog;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The metadata API on the event bus ({@link Addresses#metadata}) for gateways and task workers on other nodes: decodes a
 * request, runs it on the master's {@link Metadata} (direct calls on the shards), encodes the answer. Deployed several
 * times so requests from many nodes are served on several event loops. Fenced (see {@link MasterFence}): a request is
 * served only while this node holds the lease, and answered only if it still does once the work is done.
 */
public final class MetadataVerticle extends VerticleBase {
  private static final RateLimitedLog FAILURES =
      RateLimitedLog.of(Logger.getLogger(MetadataVerticle.class.getName()), Level.INFO);

  private final Metadata metadata;
  private final MasterFence fence;

  public MetadataVerticle(Metadata metadata, MasterFence fence) {
    this.metadata = metadata;
    this.fence = fence;
  }

  @Override
  public Future<?> start() {
    MessageConsumer<Message> consumer = vertx.eventBus().consumer(Addresses.metadata(fence.nodeId()), msg -> {
      if (!fence.admit(msg)) {
        return;
      }
      Future<? extends Message> reply;
      try {
        reply = answer(msg.body());
      } catch (IllegalArgumentException e) {
        FAILURES.log("malformed metadata request", () -> e.getMessage());
        msg.fail(ErrorCode.INVALID_PARAMS_VALUE, e.getMessage());
        return;
      } catch (RuntimeException e) { // never let it reach Vert.x, which would log its stack per request
        FAILURES.log("metadata request failed", () -> RateLimitedLog.describe(e));
        msg.fail(ErrorCode.INTERNAL_ERROR_VALUE, RateLimitedLog.describe(e));
        return;
      }
      reply.onComplete(ar -> {
        if (ar.succeeded()) {
          fence.reply(msg, ar.result());
        } else {
          FAILURES.log("metadata request failed", () -> RateLimitedLog.describe(ar.cause()));
          msg.fail(ErrorCode.INTERNAL_ERROR_VALUE, RateLimitedLog.describe(ar.cause()));
        }
      });
    });
    return consumer.completion();
  }

  private Future<? extends Message> answer(Message body) {
    return switch (body) {
      case MetaPutStart p -> {
        long[] sizes = p.getSizesList().stream().mapToLong(Long::longValue).toArray();
        yield metadata.putStart(p.getWriter(), MetadataMessages.keys(p.getKeysList()), sizes, p.getConfig())
            .map(results -> MetadataMessages.reply(results, 0));
      }
      case MetaKeys k -> keys(k);
      case MetaRemoveAll r -> (r.getByRegex() ? metadata.removeByRegex(r.getNamespace(), r.getRegex(), r.getForce())
          : metadata.removeAll(r.getNamespace(), r.getAllNamespaces(), r.getForce())).map(MetadataMessages::count);
      case MetaWriteTarget w -> metadata.writeTarget(w.getWriter(), ObjectKey.of(w.getKey().toByteArray()),
          w.getReplicaId(), w.getOffset(), w.getLength()).map(target -> {
            KeyResult.Builder result = KeyResult.newBuilder().setCode(target.code());
            if (target.isOk()) {
              result.setSize(target.value().size()).addReplicas(target.value().toDescriptor());
            }
            return result.build();
          });
      case ReplicationOp r -> replication(r);
      case TaskCreate c -> metadata.createTask(c.getMove(), ObjectKey.of(c.getKey().toByteArray()),
          c.getSourceSegment(), c.getTargetSegmentsList()).map(created -> TaskCreated.newBuilder()
              .setCode(created.code()).setTaskId(created.isOk() ? created.value() : "").build());
      case TaskQuery q -> metadata.queryTask(q.getTaskId()).map(t -> TaskState.newBuilder().setCode(t.code())
          .setStatus(t.status()).setMessage(t.message()).setAssignedNode(t.assignedNode()).build());
      default -> throw new IllegalArgumentException("unexpected metadata request " + body.getClass().getSimpleName());
    };
  }

  private Future<MetaReply> keys(MetaKeys k) {
    List<ObjectKey> keys = MetadataMessages.keys(k.getKeysList());
    return switch (k.getOp()) {
      case PUT_END -> metadata.putEnd(k.getWriter(), keys).map(MetadataMessages::codes);
      case PUT_REVOKE -> metadata.putRevoke(k.getWriter(), keys).map(MetadataMessages::codes);
      case REMOVE -> metadata.remove(keys, false).map(MetadataMessages::codes);
      case REMOVE_FORCE -> metadata.remove(keys, true).map(MetadataMessages::codes);
      case REPLICAS -> metadata.replicas(keys).map(lists -> MetadataMessages.reply(lists.keys(), lists.leaseTtlMs()));
      case EXISTS -> metadata.exists(keys).map(found -> {
        ErrorCode[] codes = new ErrorCode[found.hits().length];
        for (int i = 0; i < codes.length; i++) {
          codes[i] = found.hits()[i] ? ErrorCode.OK : ErrorCode.OBJECT_NOT_FOUND;
        }
        return MetadataMessages.codes(codes).toBuilder().setLeaseTtlMs(found.leaseTtlMs()).build();
      });
      default -> throw new IllegalArgumentException("unknown metadata op " + k.getOp());
    };
  }

  private Future<KeyResult> replication(ReplicationOp r) {
    ObjectKey key = ObjectKey.of(r.getKey().toByteArray());
    return switch (r.getStep()) {
      case START -> metadata.startReplication(MetadataMessages.kind(r.getKind()), r.getClient(), key,
          r.getSourceSegment(), r.getTargetSegmentsList()).map(MetadataMessages::started);
      case END, REVOKE -> metadata.finishReplication(MetadataMessages.kind(r.getKind()),
          r.getStep() == ReplicationOp.Step.END, r.getClient(), key)
          .map(code -> KeyResult.newBuilder().setCode(code).build());
      default -> throw new IllegalArgumentException("unknown replication step " + r.getStep());
    };
  }
}
