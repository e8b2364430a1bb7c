package io.kvcache.storage;

import io.kvcache.bus.TermWatermark;
import io.kvcache.bus.Terms;
import io.micrometer.core.instrument.Counter;

/**
 * A storage node's standing with the master: the session token its last mount returned (null while not mounted),
 * whether the master takes offloads to its SSD, and the highest master term the node has seen (from the master's
 * answers and from the writes it serves). Written by the {@link SegmentVerticle} when it mounts or loses the mount, read
 * by the {@link TaskWorker} on every round and by every write into the segment: a write granted under an older term
 * than this node knows is refused and counted (its master has been replaced, and the region may belong to someone
 * else now).
 *
 * <p>Thread-safe: volatile fields, each written by one thread; the term is a {@link TermWatermark}.
 */
public final class StorageSession implements Terms {
  private final String nodeId;
  private final TermWatermark terms;
  private volatile String token;
  private volatile boolean offloadAccepted;

  public StorageSession(String nodeId, Counter staleRefused) {
    this.nodeId = nodeId;
    this.terms = new TermWatermark(staleRefused);
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

  /** The highest master term seen. */
  @Override
  public long term() {
    return terms.term();
  }

  /**
   * Checks a term presented by a master answer or a write: false (refused and counted) if it is older than the
   * highest seen; otherwise the highest seen becomes at least {@code presented}.
   */
  @Override
  public boolean admit(long presented) {
    return terms.admit(presented);
  }

  void mounted(String token, boolean offloadAccepted) {
    this.offloadAccepted = offloadAccepted;
    this.token = token;
  }

  void lost() {
    this.token = null;
  }
}
