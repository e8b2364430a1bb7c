package io.kvcache.alloc;

import java.util.Arrays;

/**
 * The replicas one allocation placed: per replica its segment, handle and byte offset, in placement order (preferred
 * segments first). Reused across calls so a strategy allocates nothing per call.
 *
 * <p>NOT thread-safe: each caller owns one.
 */
public final class Placement {
  private Segment[] segments;
  private long[] handles;
  private long[] offsets;
  private int count;

  public Placement() {
    this(4);
  }

  public Placement(int expectedReplicas) {
    int capacity = Math.max(1, expectedReplicas);
    segments = new Segment[capacity];
    handles = new long[capacity];
    offsets = new long[capacity];
  }

  public int count() {
    return count;
  }

  public Segment segment(int i) {
    checkIndex(i);
    return segments[i];
  }

  public long handle(int i) {
    checkIndex(i);
    return handles[i];
  }

  public long offset(int i) {
    checkIndex(i);
    return offsets[i];
  }

  /** True if a replica of this placement is already on {@code segment}. */
  public boolean contains(Segment segment) {
    for (int i = 0; i < count; i++) {
      if (segments[i] == segment) {
        return true;
      }
    }
    return false;
  }

  public void clear() {
    Arrays.fill(segments, 0, count, null); // do not keep unmounted segments reachable through an idle placement
    count = 0;
  }

  /** Frees every placed replica (e.g. a revoked put) and clears; {@code requestedBytes} is the object size. */
  public void freeAll(long requestedBytes) {
    for (int i = 0; i < count; i++) {
      segments[i].free(handles[i], requestedBytes);
    }
    clear();
  }

  void add(Segment segment, long handle, long offset) {
    if (count == segments.length) {
      int grown = count * 2; // only when more replicas are asked for than this placement was sized for
      segments = Arrays.copyOf(segments, grown);
      handles = Arrays.copyOf(handles, grown);
      offsets = Arrays.copyOf(offsets, grown);
    }
    segments[count] = segment;
    handles[count] = handle;
    offsets[count] = offset;
    count++;
  }

  private void checkIndex(int i) {
    if (i < 0 || i >= count) {
      throw new IndexOutOfBoundsException("replica " + i + " of " + count);
    }
  }
}
