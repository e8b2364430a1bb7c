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
   * Id of this replica, stable while it lives: the segment name's hash in the high half, the allocator's node index
   * (the handle's low half, below 2^31) with bit 31 set in the low half. It only has to tell apart the replicas of one
   * object, which always sit on distinct segments, so distinct segment names suffice; bit 31 keeps it apart from
   * {@link DiskReplica#id()}. (The handle's generation is left out: XORed into the name's hash, as it once was, it
   * let two segments whose names hash one apart give two replicas of one object the same id.)
   */
  public long id() {
    return ((long) segment.name().hashCode() << 32) | 0x8000_0000L | (handle & 0x7FFF_FFFFL);
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
