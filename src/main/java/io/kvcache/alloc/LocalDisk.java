package io.kvcache.alloc;

/**
 * A storage node's local SSD as the master sees it: which node, its gRPC endpoint, whether it is still registered, and
 * how much it reports holding. Disk replicas hold the LocalDisk the way memory replicas hold their Segment: once the
 * node is gone (unregistered, expired, left the cluster) its disk replicas are invalid at once.
 *
 * <p>Thread-safe: the flag is volatile, the counters atomic.
 */
public final class LocalDisk {
  private final String nodeId;
  private final String endpoint;
  private volatile boolean registered = true;
  private final java.util.concurrent.atomic.AtomicLong usedBytes = new java.util.concurrent.atomic.AtomicLong();

  public LocalDisk(String nodeId, String endpoint) {
    this.nodeId = nodeId;
    this.endpoint = endpoint;
  }

  public String nodeId() {
    return nodeId;
  }

  public String endpoint() {
    return endpoint;
  }

  public boolean isRegistered() {
    return registered;
  }

  void unregister() {
    registered = false;
  }

  public long usedBytes() {
    return usedBytes.get();
  }

  public void addUsed(long delta) {
    usedBytes.addAndGet(delta);
  }
}
