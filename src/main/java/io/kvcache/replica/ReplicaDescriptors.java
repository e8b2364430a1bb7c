package io.kvcache.replica;

import io.kvcache.proto.v1.ReplicaDescriptor;
import io.kvcache.proto.v1.ReplicaStatus;
import io.kvcache.proto.v1.ReplicaType;

import java.util.function.Consumer;

/** Turns an object's replicas into the API's {@link ReplicaDescriptor}s, in stored order. */
public final class ReplicaDescriptors {
  private ReplicaDescriptors() {}

  /** Every replica (what PutStart returns: all PROCESSING). */
  public static void all(ObjectEntry e, Consumer<ReplicaDescriptor> out) {
    for (int i = 0; i < e.replicaCount(); i++) {
      out.accept(describe(e, e.replica(i)));
    }
  }

  /** Only the replicas a reader may use now. */
  public static void readable(ObjectEntry e, Consumer<ReplicaDescriptor> out) {
    for (int i = 0; i < e.replicaCount(); i++) {
      if (e.replica(i).isReadable()) {
        out.accept(describe(e, e.replica(i)));
      }
    }
  }

  public static ReplicaDescriptor describe(ObjectEntry e, Replica r) {
    ReplicaDescriptor.Builder d = ReplicaDescriptor.newBuilder()
        .setStatus(r.isComplete() ? ReplicaStatus.COMPLETE : ReplicaStatus.PROCESSING)
        .setSize(e.size);
    if (r instanceof MemoryReplica m) {
      d.setType(ReplicaType.MEMORY)
          .setReplicaId(m.id())
          .setSegmentName(m.segment.name())
          .setNodeId(m.segment.nodeId())
          .setEndpoint(m.segment.endpoint())
          .setOffset(m.offset());
    } else if (r instanceof DiskReplica disk) {
      d.setType(ReplicaType.LOCAL_DISK)
          .setReplicaId(disk.id())
          .setNodeId(disk.disk().nodeId())
          .setEndpoint(disk.disk().endpoint());
    }
    return d.build();
  }
}
