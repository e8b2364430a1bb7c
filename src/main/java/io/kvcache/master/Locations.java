package io.kvcache.master;

import io.kvcache.metadata.KeyReplicas;
import io.kvcache.metadata.ReplicaLocation;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.ReplicaStatus;
import io.kvcache.proto.v1.ReplicaType;
import io.kvcache.replica.DiskReplica;
import io.kvcache.replica.MemoryReplica;
import io.kvcache.replica.ObjectEntry;
import io.kvcache.replica.Replica;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns an object's replicas into {@link ReplicaLocation}s, in stored order, stamped with the term of the master that
 * hands them out. Call under the shard's lock.
 */
final class Locations {
  private Locations() {}

  /** Every replica (what PutStart returns: all PROCESSING). */
  static KeyReplicas all(ObjectEntry e, long term) {
    List<ReplicaLocation> out = new ArrayList<>(e.replicaCount());
    for (int i = 0; i < e.replicaCount(); i++) {
      out.add(of(e, e.replica(i), term));
    }
    return new KeyReplicas(ErrorCode.OK, e.size(), out);
  }

  /** Only the replicas a reader may use now. */
  static KeyReplicas readable(ObjectEntry e, long term) {
    List<ReplicaLocation> out = new ArrayList<>(e.replicaCount());
    for (int i = 0; i < e.replicaCount(); i++) {
      if (e.replica(i).isReadable()) {
        out.add(of(e, e.replica(i), term));
      }
    }
    return new KeyReplicas(ErrorCode.OK, e.size(), out);
  }

  static ReplicaLocation of(ObjectEntry e, Replica r, long term) {
    ReplicaStatus status = r.isComplete() ? ReplicaStatus.COMPLETE : ReplicaStatus.PROCESSING;
    if (r instanceof MemoryReplica m) {
      return new ReplicaLocation(m.id(), ReplicaType.MEMORY, status, m.segment().name(), m.segment().nodeId(),
          m.segment().endpoint(), m.offset(), e.size(), term);
    }
    DiskReplica d = (DiskReplica) r;
    return new ReplicaLocation(d.id(), ReplicaType.LOCAL_DISK, status, "", d.disk().nodeId(), d.disk().endpoint(), 0,
        e.size(), term);
  }
}
