package io.kvcache.replica;

import io.kvcache.alloc.Segment;

/**
 * A replica in a storage node's DRAM segment: the segment and the allocator handle (to free it, and to find its byte
 * offset — not stored, to keep the replica at 32 bytes). The segment reference acts like the reference's weak pointer:
 * once the segment is unmounted the replica is invalid and freeing it is a no-op.
 */
public final class MemoryReplica extends Replica {
  final Segment segment;
  final long handle;

  MemoryReplica(Segment segment, long handle) {
    this.segment = segment;
    this.handle = handle;
  }

  public Segment segment() {
    return segment;
  }

  /** Byte offset in the segment (asks the segment's allocator); -1 once the segment is unmounted. */
  public long offset() {
    try {
      return segment.offsetOf(handle);
    } catch (IllegalStateException unmounted) {
      return -1; // the segment went away under us; the replica is invalid and nobody can read or write it
    }
  }

  /**
   * Id of this replica, stable while it lives: the segment name's hash and the allocation handle. It only has to tell
   * apart the replicas of one object, which always sit on distinct segments.
   */
  public long id() {
    return ((long) segment.name().hashCode() << 32) ^ handle;
  }

  @Override
  public boolean isValid() {
    return segment.isMounted();
  }

  @Override
  public boolean isMemory() {
    return true;
  }

  @Override
  void release(long objectSize) {
    segment.free(handle, objectSize);
  }
}
