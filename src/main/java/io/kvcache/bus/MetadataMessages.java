package io.kvcache.bus;

import com.google.protobuf.ByteString;
import io.kvcache.metadata.KeyReplicas;
import io.kvcache.metadata.ObjectKey;
import io.kvcache.metadata.ReplicaLocation;
import io.kvcache.metadata.ReplicationKind;
import io.kvcache.metadata.ReplicationStart;
import io.kvcache.proto.bus.KeyResult;
import io.kvcache.proto.bus.MetaCount;
import io.kvcache.proto.bus.MetaReply;
import io.kvcache.proto.bus.ReplicationOp;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.ReplicaDescriptor;
import io.kvcache.replica.BulkRemoval;
import io.kvcache.util.Result;

import java.util.ArrayList;
import java.util.List;

/**
 * The event-bus form of the {@link io.kvcache.metadata.Metadata} API's values, both ways: used by the remote client
 * ({@link RemoteMetadata}) and by the master's metadata verticle, so the two ends always agree.
 *
 * <p>Stateless and thread-safe.
 */
public final class MetadataMessages {
  private MetadataMessages() {}

  public static List<ByteString> keyBytes(List<ObjectKey> keys) {
    List<ByteString> out = new ArrayList<>(keys.size());
    for (ObjectKey k : keys) {
      out.add(ByteString.copyFrom(k.encoded()));
    }
    return out;
  }

  /** The keys of a request, each copied once into the array the shard will keep. */
  public static List<ObjectKey> keys(List<ByteString> bytes) {
    List<ObjectKey> out = new ArrayList<>(bytes.size());
    for (ByteString b : bytes) {
      out.add(ObjectKey.of(b.toByteArray()));
    }
    return out;
  }

  public static MetaCount count(BulkRemoval r) {
    return MetaCount.newBuilder().setCode(r.code()).setCount(r.removed()).setMessage(r.message()).build();
  }

  public static BulkRemoval removal(MetaCount c) {
    return c.getCode() == ErrorCode.OK ? BulkRemoval.removed(c.getCount())
        : BulkRemoval.refused(c.getCode(), c.getMessage());
  }

  public static KeyResult result(KeyReplicas r) {
    KeyResult.Builder b = KeyResult.newBuilder().setCode(r.code()).setSize(r.size());
    r.replicas().forEach(loc -> b.addReplicas(loc.toDescriptor()));
    return b.build();
  }

  /** One key's answer from the master of {@code term} (its locations carry the term). */
  public static KeyReplicas replicas(KeyResult r, long term) {
    List<ReplicaLocation> locations = new ArrayList<>(r.getReplicasCount());
    for (ReplicaDescriptor d : r.getReplicasList()) {
      locations.add(ReplicaLocation.of(d, term));
    }
    return new KeyReplicas(r.getCode(), r.getSize(), locations);
  }

  public static MetaReply reply(KeyReplicas[] results, long leaseTtlMs) {
    MetaReply.Builder b = MetaReply.newBuilder().setLeaseTtlMs(leaseTtlMs);
    for (KeyReplicas r : results) {
      b.addResults(result(r));
    }
    return b.build();
  }

  public static MetaReply codes(ErrorCode[] codes) {
    MetaReply.Builder b = MetaReply.newBuilder();
    for (ErrorCode c : codes) {
      b.addResults(KeyResult.newBuilder().setCode(c));
    }
    return b.build();
  }

  public static KeyReplicas[] replicas(MetaReply reply, long term) {
    KeyReplicas[] out = new KeyReplicas[reply.getResultsCount()];
    for (int i = 0; i < out.length; i++) {
      out[i] = replicas(reply.getResults(i), term);
    }
    return out;
  }

  public static ErrorCode[] codes(MetaReply reply) {
    ErrorCode[] out = new ErrorCode[reply.getResultsCount()];
    for (int i = 0; i < out.length; i++) {
      out[i] = reply.getResults(i).getCode();
    }
    return out;
  }

  /** A started replication: the source first, then the targets. */
  public static KeyResult started(Result<ReplicationStart> started) {
    KeyResult.Builder b = KeyResult.newBuilder().setCode(started.code());
    if (started.isOk()) {
      b.setSize(started.value().size()).addReplicas(started.value().source().toDescriptor());
      started.value().targets().forEach(t -> b.addReplicas(t.toDescriptor()));
    }
    return b.build();
  }

  public static Result<ReplicationStart> started(KeyResult r, long term) {
    if (r.getCode() != ErrorCode.OK) {
      return Result.fail(r.getCode());
    }
    if (r.getReplicasCount() == 0) {
      return Result.fail(ErrorCode.INTERNAL_ERROR);
    }
    List<ReplicaLocation> targets = new ArrayList<>();
    for (int i = 1; i < r.getReplicasCount(); i++) {
      targets.add(ReplicaLocation.of(r.getReplicas(i), term));
    }
    return Result.ok(new ReplicationStart(r.getSize(), ReplicaLocation.of(r.getReplicas(0), term), targets));
  }

  public static ReplicationOp.Kind kind(ReplicationKind kind) {
    return switch (kind) {
      case COPY -> ReplicationOp.Kind.COPY;
      case MOVE -> ReplicationOp.Kind.MOVE;
      case PROMOTE -> ReplicationOp.Kind.PROMOTE;
    };
  }

  public static ReplicationKind kind(ReplicationOp.Kind kind) {
    return switch (kind) {
      case MOVE -> ReplicationKind.MOVE;
      case PROMOTE -> ReplicationKind.PROMOTE;
      default -> ReplicationKind.COPY;
    };
  }
}
