package io.kvcache.replica;

import io.kvcache.alloc.Segment;

/**
 * A replica in a storage node's DRAM segment: the segment, the allocator handle (to free it) and the byte offset (to
 * read and write it). The segment reference acts like the reference's weak pointer: once the segment is unmounted the
 * replica is invalid and freeing it is a no-op.
 */
public final class MemoryReplica extends Replica {
  final Segment segment;
  final long handle;
  final long offset;

  MemoryReplica(Segment segment, long handle, long offset) {
    this.segment = segment;
    this.handle = handle;
    this.offset = offset;
  }

  public Segment segment() {
    return segment;
  }

  public long offset() {
    return offset;
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
