package io.kvcache.alloc;

import io.kvcache.util.Tokens;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The storage nodes the master considers alive. A node joins by mounting (and receives a random session token), stays
 * alive by heart-beating with that token, and is expired when silent for the TTL — whether or not the cluster manager
 * noticed anything (a stuck process keeps its cluster membership). A heartbeat from an unknown node, or with a stale
 * token, is answered NEED_REMOUNT, which is how a node that comes back (or a restarted master) gets its segments mounted
 * again. The token is also the node's credential for the master-side calls only a storage node may make.
 *
 * <p>Thread-safe (a concurrent map): the AllocationVerticle updates it; the master's other verticles check tokens.
 */
public final class NodeLiveness {
  private record Session(String token, long lastSeenMs) {}

  private final long ttlMs;
  private final Map<String, Session> sessions = new java.util.concurrent.ConcurrentHashMap<>();

  public NodeLiveness(long ttlMs) {
    this.ttlMs = ttlMs;
  }

  /** Registers (or re-registers) a node at mount time; returns its new session token. */
  public String join(String nodeId, long nowMs) {
    String token = Tokens.random128();
    sessions.put(nodeId, new Session(token, nowMs));
    return token;
  }

  /**
   * Takes over a session another master issued (a promoted standby restoring replicated sessions): the node keeps
   * heart-beating with the token it has, and its TTL starts now.
   */
  public void adopt(String nodeId, String token, long nowMs) {
    sessions.put(nodeId, new Session(token, nowMs));
  }

  /** True if the node is known and the token is its current one; refreshes its deadline. */
  public boolean heartbeat(String nodeId, String token, long nowMs) {
    Session s = sessions.get(nodeId);
    if (s == null || !Tokens.matches(s.token, token)) {
      return false;
    }
    sessions.put(nodeId, new Session(s.token, nowMs));
    return true;
  }

  /** True if {@code token} is the live session token of {@code nodeId} (does not refresh). */
  public boolean authentic(String nodeId, String token) {
    Session s = sessions.get(nodeId);
    return s != null && Tokens.matches(s.token, token);
  }

  public boolean isAlive(String nodeId) {
    return sessions.containsKey(nodeId);
  }

  /** Forgets a node (it left the cluster or unmounted everything). */
  public void leave(String nodeId) {
    sessions.remove(nodeId);
  }

  /**
   * Restarts every session's TTL at {@code nowMs}: the nodes could not reach this master until now (a promoted master
   * whose address has just become known to the cluster), so silence before it says nothing about them.
   */
  public void restartAll(long nowMs) {
    sessions.replaceAll((node, s) -> new Session(s.token, Math.max(s.lastSeenMs, nowMs)));
  }

  /** Removes and returns the nodes silent for longer than the TTL. */
  public List<String> expire(long nowMs) {
    List<String> expired = new ArrayList<>();
    sessions.forEach((node, s) -> {
      if (s.lastSeenMs + ttlMs < nowMs && sessions.remove(node, s)) {
        expired.add(node);
      }
    });
    return expired;
  }

  public int size() {
    return sessions.size();
  }

  /** Every live session: node id to token (what a standby copies so nodes keep their sessions across a failover). */
  public Map<String, String> tokens() {
    Map<String, String> out = new java.util.HashMap<>();
    sessions.forEach((node, s) -> out.put(node, s.token));
    return out;
  }

}
