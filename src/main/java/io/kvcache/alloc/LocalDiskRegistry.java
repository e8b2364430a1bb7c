package io.kvcache.alloc;

import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The storage nodes whose SSD takes offloaded objects. A node registers when it mounts with offload enabled; it is
 * unregistered when it unmounts, stops heart-beating or leaves the cluster, which invalidates its disk replicas.
 *
 * <p>Thread-safe (a concurrent map of {@link LocalDisk}s).
 */
public final class LocalDiskRegistry {
  private final ConcurrentHashMap<String, LocalDisk> disks = new ConcurrentHashMap<>();

  /** Registers the node's disk (idempotent while registered); returns it. */
  public LocalDisk register(String nodeId, String endpoint) {
    return disks.compute(nodeId, (id, existing) ->
        existing != null && existing.isRegistered() ? existing : new LocalDisk(id, endpoint));
  }

  /** The registered disk of a node, or null. */
  public LocalDisk get(String nodeId) {
    LocalDisk disk = disks.get(nodeId);
    return disk != null && disk.isRegistered() ? disk : null;
  }

  /** Unregisters the node's disk; its replicas become invalid. Returns whether it was registered. */
  public boolean unregister(String nodeId) {
    LocalDisk disk = disks.remove(nodeId);
    if (disk != null) {
      disk.unregister();
      return true;
    }
    return false;
  }

  public Collection<LocalDisk> all() {
    return disks.values();
  }
}
