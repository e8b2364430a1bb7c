package io.kvcache.metadata;

import io.kvcache.proto.v1.ErrorCode;

import java.util.List;

/**
 * One key's answer: its code and, on OK, the object's size and its replicas (PutStart: the PROCESSING replicas to
 * write; replica lists: the readable ones).
 */
public record KeyReplicas(ErrorCode code, long size, List<ReplicaLocation> replicas) {
  public KeyReplicas {
    replicas = List.copyOf(replicas);
  }

  public static KeyReplicas failed(ErrorCode code) {
    return new KeyReplicas(code, 0, List.of());
  }

  public boolean isOk() {
    return code == ErrorCode.OK;
  }

  /** The first memory replica, or null. */
  public ReplicaLocation firstMemory() {
    for (ReplicaLocation r : replicas) {
      if (r.isMemory()) {
        return r;
      }
    }
    return null;
  }

  /** The first replica on an SSD, or null. */
  public ReplicaLocation firstDisk() {
    for (ReplicaLocation r : replicas) {
      if (!r.isMemory()) {
        return r;
      }
    }
    return null;
  }
}
