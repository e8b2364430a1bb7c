package io.kvcache.ha;

import java.util.List;

/**
 * One change of the active master's state that a standby applies, in sequence. Object records carry the object's whole
 * readable state (not the operation that produced it), so applying one is idempotent and a later record of the same
 * key supersedes an earlier one whatever happened in between; that is also what lets a snapshot taken while the master
 * keeps changing be followed by the stream of changes since it began.
 *
 * <p>What is not recorded, by design: puts in flight (an unfinished put is lost on failover and its client retries),
 * read leases (a promoted master leases every object afresh), pins and tasks (in-flight copies, moves and offloads fail
 * on failover and are retried by their callers; an object whose offload was lost stays in memory only).
 */
public sealed interface OpRecord {
  /** A memory replica: segment name and byte offset of its region. */
  record MemoryAt(String segment, long offset) {}

  /** An object's readable state: size, pins, group and readable replicas (memory regions and SSD node ids). */
  record ObjectPut(byte[] key, long size, boolean hardPinned, long softPinRemainingMs, String groupId,
                   List<MemoryAt> memory, List<String> diskNodes) implements OpRecord {
    public ObjectPut {
      memory = List.copyOf(memory);
      diskNodes = List.copyOf(diskNodes);
    }
  }

  /** The object with this encoded key is gone. */
  record ObjectErased(byte[] key) implements OpRecord {}

  /**
   * A segment was mounted. {@code fresh}: a new mount, so whatever the follower knew on a segment of this name is
   * gone; otherwise the same mount acknowledged again (its objects stay).
   */
  record SegmentMounted(String name, String nodeId, String endpoint, long capacity, boolean fresh) implements OpRecord {}

  /** A segment was unmounted: its replicas are gone. */
  record SegmentUnmounted(String name) implements OpRecord {}

  /** A storage node's session: the token it heart-beats with (a promoted master keeps it, so the node re-attaches). */
  record NodeSession(String nodeId, String token) implements OpRecord {}

  /** A storage node left or was expired: its session, its SSD and all its segments are gone. */
  record NodeGone(String nodeId) implements OpRecord {}

  /** A storage node's SSD takes offloads (its disk replicas are valid). */
  record DiskRegistered(String nodeId, String endpoint) implements OpRecord {}
}
