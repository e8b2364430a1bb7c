package io.kvcache.tasks;

import java.util.List;

/** What a storage node is asked to do. Keys are the store's encoded keys. */
public sealed interface TaskSpec {
  byte[] key();

  /** Write {@code size} bytes at {@code offset} of the node's segment to its SSD (the replica is pinned meanwhile). */
  record Offload(byte[] key, int shard, long offset, long size, long pinId) implements TaskSpec {}

  /** Copy (or move) the object's replica on {@code sourceSegment}, which this node holds, to the target segments. */
  record Replicate(boolean move, byte[] key, String sourceSegment, List<String> targetSegments) implements TaskSpec {
    public Replicate {
      targetSegments = List.copyOf(targetSegments);
    }
  }

  /** Delete the object from the node's SSD: the master no longer has it there. */
  record Delete(byte[] key) implements TaskSpec {}
}
