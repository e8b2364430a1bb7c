package io.kvcache.metadata;

import io.kvcache.proto.v1.ReplicaDescriptor;
import io.kvcache.proto.v1.ReplicaStatus;
import io.kvcache.proto.v1.ReplicaType;

/**
 * Where one replica of an object is: what a reader or writer needs to reach its bytes. {@code offset} is the replica's
 * byte offset in its segment (memory replicas), {@code size} the object's size. {@code term} is the fencing term of the
 * master that handed the location out: a write to the replica carries it, and a storage node that already knows a
 * newer master refuses it (a put granted by a replaced master must not land in memory its successor reuses).
 */
public record ReplicaLocation(long replicaId, ReplicaType type, ReplicaStatus status, String segmentName,
                              String nodeId, String endpoint, long offset, long size, long term) {

  public boolean isMemory() {
    return type == ReplicaType.MEMORY;
  }

  /** The public API's form (GetReplicaList, PutStart, CopyStart replies). */
  public ReplicaDescriptor toDescriptor() {
    return ReplicaDescriptor.newBuilder().setReplicaId(replicaId).setType(type).setStatus(status)
        .setSegmentName(segmentName).setNodeId(nodeId).setEndpoint(endpoint).setOffset(offset).setSize(size).build();
  }

  /** A location from the master of {@code term}. */
  public static ReplicaLocation of(ReplicaDescriptor d, long term) {
    return new ReplicaLocation(d.getReplicaId(), d.getType(), d.getStatus(), d.getSegmentName(), d.getNodeId(),
        d.getEndpoint(), d.getOffset(), d.getSize(), term);
  }
}
