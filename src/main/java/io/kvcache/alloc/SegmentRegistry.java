package io.kvcache.alloc;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The segments mounted in the cluster, by name and in mount order.
 *
 * <p>Thread-safe. Mount/unmount are serialised by a lock and publish a fresh copy-on-write array; strategies read
 * {@link #snapshot()} (one volatile read, no copy, no lock) and {@link #byName(String)} (a concurrent map) on their hot
 * path. Cluster totals are a LongAdder fed by every segment's allocate/free (many shards allocate at once; an AtomicLong
 * would make them all write one cache line) and an AtomicLong capacity that only mounts change.
 */
public final class SegmentRegistry {
  private static final Segment[] NONE = new Segment[0];

  private final ConcurrentHashMap<String, Segment> segmentsByName = new ConcurrentHashMap<>();
  private final Object mountLock = new Object();
  private volatile Segment[] mounted = NONE; // replaced, never mutated
  private final AtomicLong clusterCapacityBytes = new AtomicLong();
  private final LongAdder clusterAllocatedBytes = new LongAdder();

  /**
   * Mounts a segment with the reference's node budget. Mounting the same name with the same node and capacity again returns
   * the mounted segment (idempotent); a different node or capacity, or capacity &lt;= 0, is an IllegalArgumentException; a
   * re-mount while the segment is draining is an IllegalStateException (the reference's UNAVAILABLE_IN_CURRENT_STATUS).
   */
  public Segment mount(String name, String nodeId, String endpoint, long capacityBytes) {
    if (capacityBytes <= 0) {
      throw new IllegalArgumentException("segment " + name + ": capacity must be > 0 bytes, got " + capacityBytes);
    }
    return mount(name, nodeId, endpoint, new OffsetAllocator(capacityBytes));
  }

  /** As {@link #mount(String, String, String, long)} with an explicit node budget (benchmarks cap metadata this way). */
  public Segment mount(String name, String nodeId, String endpoint, long capacityBytes, int initNodes, int maxNodes) {
    if (capacityBytes <= 0) {
      throw new IllegalArgumentException("segment " + name + ": capacity must be > 0 bytes, got " + capacityBytes);
    }
    return mount(name, nodeId, endpoint, new OffsetAllocator(capacityBytes, initNodes, maxNodes));
  }

  /**
   * Mounts a new segment that takes no allocations yet ({@linkplain Segment.Status#FENCED FENCED}) until
   * {@link Segment#markAttached()}: a master with a standby lets a fresh mount take allocations only once the standby
   * knows of it (and of the end of any earlier mount of the name, whose bytes the new one reuses). An
   * IllegalArgumentException if the name is taken or the capacity is not positive.
   */
  public Segment mountFenced(String name, String nodeId, String endpoint, long capacityBytes) {
    if (capacityBytes <= 0) {
      throw new IllegalArgumentException("segment " + name + ": capacity must be > 0 bytes, got " + capacityBytes);
    }
    synchronized (mountLock) {
      if (segmentsByName.containsKey(name)) {
        throw new IllegalArgumentException("segment " + name + " is already mounted");
      }
      return add(new Segment(name, nodeId, endpoint, new OffsetAllocator(capacityBytes), clusterAllocatedBytes, 0,
          Segment.Status.FENCED));
    }
  }

  /**
   * Mounts a segment rebuilt from replicated metadata by a newly promoted master: its allocator already holds the
   * replicas' regions ({@code requestedBytes} in all). An IllegalArgumentException if the name is taken.
   */
  public Segment mountRestored(String name, String nodeId, String endpoint, OffsetAllocator allocator,
                               long requestedBytes) {
    synchronized (mountLock) {
      if (segmentsByName.containsKey(name)) {
        throw new IllegalArgumentException("segment " + name + " is already mounted");
      }
      return add(new Segment(name, nodeId, endpoint, allocator, clusterAllocatedBytes, requestedBytes,
          Segment.Status.OK));
    }
  }

  private Segment mount(String name, String nodeId, String endpoint, OffsetAllocator allocator) {
    synchronized (mountLock) {
      Segment existing = segmentsByName.get(name);
      if (existing != null) {
        if (!existing.nodeId().equals(nodeId) || existing.capacity() != allocator.capacity()) {
          throw new IllegalArgumentException("segment " + name + " is already mounted by " + existing.nodeId()
              + " with " + existing.capacity() + " bytes; refusing " + nodeId + " with " + allocator.capacity());
        }
        if (existing.status() != Segment.Status.OK) {
          throw new IllegalStateException("segment " + name + " is " + existing.status() + "; unmount it first");
        }
        return existing;
      }
      return add(new Segment(name, nodeId, endpoint, allocator, clusterAllocatedBytes));
    }
  }

  /** Publishes a new segment; the caller holds mountLock. */
  private Segment add(Segment segment) {
    segmentsByName.put(segment.name(), segment);
    Segment[] next = Arrays.copyOf(mounted, mounted.length + 1);
    next[next.length - 1] = segment;
    mounted = next;
    clusterCapacityBytes.addAndGet(segment.capacity());
    return segment;
  }

  /** Unmounts {@code name}: its replicas become invalid at once. Returns the segment, or null if it was not mounted. */
  public Segment unmount(String name) {
    synchronized (mountLock) {
      Segment segment = segmentsByName.remove(name);
      if (segment == null) {
        return null;
      }
      Segment[] current = mounted;
      Segment[] next = new Segment[current.length - 1];
      int kept = 0;
      for (Segment s : current) {
        if (s != segment) {
          next[kept++] = s;
        }
      }
      mounted = next;
      clusterCapacityBytes.addAndGet(-segment.capacity());
      segment.markUnmounted();
      return segment;
    }
  }

  /** Unmounts every segment of {@code nodeId} (the node left the cluster); returns them in mount order. */
  public List<Segment> unmountNode(String nodeId) {
    synchronized (mountLock) {
      List<Segment> gone = new ArrayList<>();
      for (Segment s : mounted) {
        if (s.nodeId().equals(nodeId)) {
          gone.add(s);
        }
      }
      for (Segment s : gone) {
        unmount(s.name());
      }
      return gone;
    }
  }

  /** Graceful unmount, first step: no new allocations on {@code name}, its data stays readable. False if not mounted. */
  public boolean setDraining(String name) {
    Segment segment = segmentsByName.get(name);
    if (segment == null) {
      return false;
    }
    segment.markDraining();
    return true;
  }

  public Segment byName(String name) {
    return segmentsByName.get(name);
  }

  /** The mounted segments (OK and DRAINING), in mount order. Shared array: callers must not modify it. */
  public Segment[] snapshot() {
    return mounted;
  }

  public int size() {
    return mounted.length;
  }

  /** Capacity of all mounted segments. */
  public long capacityBytes() {
    return clusterCapacityBytes.get();
  }

  /** Requested bytes allocated on all mounted segments. */
  public long allocatedBytes() {
    return clusterAllocatedBytes.sum();
  }
}
