package io.kvcache.replica;

/**
 * One copy of an object's bytes. Subclasses say where it lives ({@link MemoryReplica}; disk replicas come with the
 * offload pipeline). Status follows the reference: PROCESSING while being written, COMPLETE once readable.
 *
 * <p>{@code pins} is the reference's refcount: a pinned replica is never evicted. Every pin has an owner recorded in
 * {@link Pins}; this counter is only its fast summary. Not thread-safe: owned by one shard.
 */
public abstract class Replica {
  public static final byte PROCESSING = 2;
  public static final byte COMPLETE = 3;

  byte status = PROCESSING;
  boolean isTaskTarget; // a copy/move target still being written: invisible, not part of the object's put
  int pins;

  public byte status() {
    return status;
  }

  public boolean isComplete() {
    return status == COMPLETE;
  }

  public int pins() {
    return pins;
  }

  /** True while the place that holds the bytes is still there (e.g. the segment is mounted). */
  public abstract boolean isValid();

  /** True if the bytes can be served now: COMPLETE and valid. */
  public boolean isReadable() {
    return status == COMPLETE && isValid();
  }

  public abstract boolean isMemory();

  /** Gives the storage back (memory to its segment's allocator). Idempotent per replica is the caller's duty. */
  abstract void release(long objectSize);
}
