package io.kvcache.metadata;

/**
 * The readable replicas of a batch of keys, in the caller's order, and the read lease that protects reading them: a
 * reader that finishes later than {@code leaseTtlMs} after asking must discard what it read (it may have been evicted
 * and overwritten meanwhile).
 */
public record ReplicaLists(KeyReplicas[] keys, long leaseTtlMs) {
  public int size() {
    return keys.length;
  }

  public KeyReplicas get(int i) {
    return keys[i];
  }
}
