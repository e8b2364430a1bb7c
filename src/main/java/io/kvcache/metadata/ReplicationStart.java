package io.kvcache.metadata;

import java.util.List;

/** A started copy, move or promotion: the object's size, the (pinned) source and the targets to write. */
public record ReplicationStart(long size, ReplicaLocation source, List<ReplicaLocation> targets) {
  public ReplicationStart {
    targets = List.copyOf(targets);
  }
}
