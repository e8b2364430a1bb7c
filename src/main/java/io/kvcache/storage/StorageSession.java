package io.kvcache.storage;

/**
 * A storage node's standing with the master: the session token its last mount returned (null while not mounted) and
 * whether the master takes offloads to its SSD. Written by the {@link SegmentVerticle} when it mounts or loses the
 * mount, read by the {@link TaskWorker} on every round.
 *
 * <p>Thread-safe: volatile fields, each written by one thread.
 */
public final class StorageSession {
  private final String nodeId;
  private volatile String token;
  private volatile boolean offloadAccepted;

  public StorageSession(String nodeId) {
    this.nodeId = nodeId;
  }

  /** The Vert.x cluster node id: the master knows this node by it. */
  public String nodeId() {
    return nodeId;
  }

  public String token() {
    return token;
  }

  public boolean offloadAccepted() {
    return offloadAccepted;
  }

  void mounted(String token, boolean offloadAccepted) {
    this.offloadAccepted = offloadAccepted;
    this.token = token;
  }

  void lost() {
    this.token = null;
  }
}
