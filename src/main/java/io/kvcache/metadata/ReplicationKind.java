package io.kvcache.metadata;

/** What a replication task does: copy a replica, move it, or promote an SSD-only object back into memory. */
public enum ReplicationKind {
  COPY, MOVE, PROMOTE;

  /** Promotions end and revoke as copies. */
  public boolean isMove() {
    return this == MOVE;
  }
}
