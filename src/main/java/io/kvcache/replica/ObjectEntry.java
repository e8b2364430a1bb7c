package io.kvcache.replica;

/**
 * Metadata of one object: key, size, read lease, flags and its replicas. Kept small on purpose (48 bytes plus the key
 * array and the replicas): a master may hold tens of millions. The replicas field holds a single {@link Replica} in the
 * common one-replica case and a {@code Replica[]} otherwise, hidden behind {@link #replicaCount()} / {@link #replica}.
 * State that only exists while a put is in flight lives in {@link PendingPut} (dropped at PutEnd); the rarely used soft
 * pin and group live in {@link Extras}. The size is 32 bits (values are capped below 2 GiB by config), which pays for
 * caching the key hash: probing compares hashes before touching keys.
 *
 * <p>Not thread-safe: owned by one shard.
 */
public final class ObjectEntry {
  static final int HARD_PINNED = 1;
  static final int PROCESSING = 2;      // a put is in flight: some replica may still be PROCESSING
  static final int REPLICATION_TASK = 4; // a copy or move task holds the object
  static final int PUBLISHED = 8;        // its readable state was reported to the journal (a standby may know it)

  final byte[] key;
  final int hash;
  final int size;
  long leaseDeadlineMs;   // reads are protected until then; 0 = never leased (expired)
  int flags;
  private Object replicas; // Replica, Replica[] or null
  PendingPut pending;
  private Extras extras;  // null unless soft-pinned or grouped

  ObjectEntry(byte[] key, int hash, long size) {
    if (size <= 0 || size > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("object size " + size + " outside [1, 2^31)");
    }
    this.key = key;
    this.hash = hash;
    this.size = (int) size;
  }

  /** Soft-pinned until then (on the shard's clock); 0 = not soft-pinned. */
  public long softPinDeadlineMs() {
    return extras == null ? 0 : extras.softPinDeadlineMs;
  }

  void setSoftPinDeadlineMs(long deadlineMs) {
    extras().softPinDeadlineMs = deadlineMs;
  }

  /** The object's group; null for an object outside any group. */
  public Groups.Group group() {
    return extras == null ? null : extras.group;
  }

  void setGroup(Groups.Group group) {
    if (group != null || extras != null) {
      extras().group = group;
    }
  }

  private Extras extras() {
    if (extras == null) {
      extras = new Extras();
    }
    return extras;
  }

  /** The seldom-used part of an object's state. */
  private static final class Extras {
    long softPinDeadlineMs;
    Groups.Group group;
  }

  public byte[] key() {
    return key;
  }

  public long size() {
    return size;
  }

  public long leaseDeadlineMs() {
    return leaseDeadlineMs;
  }

  public boolean isHardPinned() {
    return (flags & HARD_PINNED) != 0;
  }

  public boolean isProcessing() {
    return (flags & PROCESSING) != 0;
  }

  public boolean hasReplicationTask() {
    return (flags & REPLICATION_TASK) != 0;
  }

  public boolean isSoftPinned(long nowMs) {
    return softPinDeadlineMs() > nowMs;
  }

  /** A read lease protects the object: its own, or (for a group member) any member's. */
  public boolean hasLease(long nowMs) {
    Groups.Group group = group();
    return leaseDeadlineMs > nowMs || (group != null && group.hasLease(nowMs));
  }

  public int replicaCount() {
    Object r = replicas;
    return r == null ? 0 : r instanceof Replica ? 1 : ((Replica[]) r).length;
  }

  public Replica replica(int i) {
    Object r = replicas;
    if (r instanceof Replica single) {
      if (i != 0) {
        throw new IndexOutOfBoundsException(i);
      }
      return single;
    }
    return ((Replica[]) r)[i];
  }

  void addReplica(Replica replica) {
    Object r = replicas;
    if (r == null) {
      replicas = replica;
    } else if (r instanceof Replica single) {
      replicas = new Replica[] {single, replica};
    } else {
      Replica[] old = (Replica[]) r;
      Replica[] grown = java.util.Arrays.copyOf(old, old.length + 1);
      grown[old.length] = replica;
      replicas = grown;
    }
  }

  /** Removes replica {@code i}, keeping the order of the others. */
  void removeReplica(int i) {
    Object r = replicas;
    if (r instanceof Replica) {
      if (i != 0) {
        throw new IndexOutOfBoundsException(i);
      }
      replicas = null;
      return;
    }
    Replica[] old = (Replica[]) r;
    if (old.length == 2) {
      replicas = old[1 - i];
      return;
    }
    Replica[] shrunk = new Replica[old.length - 1];
    System.arraycopy(old, 0, shrunk, 0, i);
    System.arraycopy(old, i + 1, shrunk, i, old.length - i - 1);
    replicas = shrunk;
  }

  /** True if some replica is valid (the reference's IsValid: size > 0 and a replica that is not a dead handle). */
  boolean hasValidReplica() {
    for (int i = 0, n = replicaCount(); i < n; i++) {
      if (replica(i).isValid()) {
        return true;
      }
    }
    return false;
  }

  /** All replicas complete, not counting copy/move targets still being written (they are invisible). */
  boolean allReplicasCompleteExceptTargets() {
    for (int i = 0, n = replicaCount(); i < n; i++) {
      Replica r = replica(i);
      if (!r.isComplete() && !r.isTaskTarget) {
        return false;
      }
    }
    return true;
  }

  boolean allReplicasComplete() {
    for (int i = 0, n = replicaCount(); i < n; i++) {
      if (!replica(i).isComplete()) {
        return false;
      }
    }
    return true;
  }

  /** State of an in-flight put: who writes, when it started, and the soft pin to apply at PutEnd. */
  static final class PendingPut {
    final long writer;
    final long startMs;
    final long softPinTtlMs; // applied when the first replica becomes readable; 0 = none

    PendingPut(long writer, long startMs, long softPinTtlMs) {
      this.writer = writer;
      this.startMs = startMs;
      this.softPinTtlMs = softPinTtlMs;
    }
  }
}
