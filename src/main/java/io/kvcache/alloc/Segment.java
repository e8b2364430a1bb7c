package io.kvcache.alloc;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.LongAdder;

/**
 * One mounted DRAM segment as the master sees it: name, owning node, capacity and its {@link OffsetAllocator}. No memory
 * lives here; the bytes are on the storage node, and a handle's offset says where.
 *
 * <p>Thread-safe. allocate/free/offsetOf take the segment's lock around the allocator. The figures strategies rank by
 * ({@link #largestFreeRegion()}, {@link #allocatedBytes()}, {@link #freeRatio()}, {@link #totalFreeSpace()},
 * {@link #fittingFreeSpace(long)}) are read without the lock: the first four from a snapshot the lock holder republishes
 * after every change, the last from the allocator's published {@link FreeSpaceIndex}. Each figure is exact as of a
 * recent completed allocate/free on this segment; two figures may come from consecutive changes, which a ranking
 * tolerates.
 *
 * <p>Replicas hold their Segment like a weak reference: once {@linkplain Status#UNMOUNTED unmounted}, frees are no-ops
 * (the allocator is dropped, as the reference drops its allocator) and {@link #isMounted()} tells readers the bytes are
 * gone.
 */
public final class Segment {
  /**
   * OK: allocatable. DRAINING: readable, no new allocations. FENCED: freshly mounted, no allocations until the master
   * has made the mount durable (a standby knows it, and knows that any earlier mount of the name is gone, before new
   * bytes overwrite that mount's). UNMOUNTED: replicas on it are invalid.
   */
  public enum Status { OK, DRAINING, FENCED, UNMOUNTED }

  private final String name;
  private final String nodeId;
  private final String endpoint;
  private final long capacityBytes;
  /** Cluster-wide requested-bytes total this segment adds to (the registry's), or a private one when standalone. */
  private final LongAdder clusterAllocatedBytes;

  private final Object lock = new Object();
  private OffsetAllocator allocator; // guarded by lock; null once unmounted
  private long allocatedBytesLocked; // guarded by lock: sum of requested sizes of live allocations

  private volatile Status status = Status.OK;

  // The snapshot: fields of this object (a ranking touches one object per candidate), written with setRelease by the
  // lock holder and read with getAcquire by anyone (see publishLocked).
  @SuppressWarnings("unused") private long allocatedSnapshot; // requested bytes of live allocations
  @SuppressWarnings("unused") private long totalFreeSnapshot; // allocator free bytes
  @SuppressWarnings("unused") private long largestFreeSnapshot; // largest request that can succeed, bytes
  @SuppressWarnings("unused") private long smallestFreeBinSnapshot; // bin of the smallest free region, -1 if none
  private static final VarHandle ALLOCATED = snapshotField("allocatedSnapshot");
  private static final VarHandle TOTAL_FREE = snapshotField("totalFreeSnapshot");
  private static final VarHandle LARGEST_FREE = snapshotField("largestFreeSnapshot");
  private static final VarHandle SMALLEST_FREE_BIN = snapshotField("smallestFreeBinSnapshot");
  private final int unitShift;
  private final FreeSpaceIndex freeSpaceByClass; // the allocator's; kept past unmount so readers never see null

  public Segment(String name, String nodeId, String endpoint, long capacityBytes) {
    this(name, nodeId, endpoint, new OffsetAllocator(capacityBytes), new LongAdder());
  }

  Segment(String name, String nodeId, String endpoint, OffsetAllocator allocator, LongAdder clusterAllocatedBytes) {
    this(name, nodeId, endpoint, allocator, clusterAllocatedBytes, 0, Status.OK);
  }

  /** A segment over an allocator already holding {@code requestedBytes} of allocations (see OffsetAllocator#reserveAt). */
  Segment(String name, String nodeId, String endpoint, OffsetAllocator allocator, LongAdder clusterAllocatedBytes,
          long requestedBytes, Status initial) {
    if (name == null || name.isEmpty() || nodeId == null) {
      throw new IllegalArgumentException("segment name must not be empty and node id not null: " + name + ", " + nodeId);
    }
    this.name = name;
    this.nodeId = nodeId;
    this.endpoint = endpoint;
    this.capacityBytes = allocator.capacity();
    this.allocator = allocator;
    this.clusterAllocatedBytes = clusterAllocatedBytes;
    this.unitShift = allocator.unitShift();
    this.freeSpaceByClass = allocator.freeSpaceIndex();
    this.allocatedBytesLocked = requestedBytes;
    clusterAllocatedBytes.add(requestedBytes);
    this.status = initial;
    publishLocked(); // not yet shared: other threads get this segment through the registry's volatile snapshot
  }

  public String name() {
    return name;
  }

  public String nodeId() {
    return nodeId;
  }

  public String endpoint() {
    return endpoint;
  }

  public long capacity() {
    return capacityBytes;
  }

  public Status status() {
    return status;
  }

  public boolean isAllocatable() {
    return status == Status.OK;
  }

  public boolean isMounted() {
    return status != Status.UNMOUNTED;
  }

  /**
   * Reserves {@code sizeBytes}; returns the handle, or {@link OffsetAllocator#NO_SPACE} when the segment is not
   * allocatable or has no region large enough. A request above the published largest free region fails without locking.
   */
  public long allocate(long sizeBytes) {
    if (sizeBytes <= 0) {
      throw new IllegalArgumentException("allocation size must be > 0 bytes, got " + sizeBytes);
    }
    if (sizeBytes > word(LARGEST_FREE) || status != Status.OK) {
      return OffsetAllocator.NO_SPACE; // ordered before any concurrent free that would have made room
    }
    synchronized (lock) {
      return allocateLocked(sizeBytes);
    }
  }

  /** allocate() that also records the replica in {@code out} under the same lock; false (nothing recorded) on NO_SPACE. */
  boolean allocateInto(long sizeBytes, Placement out) {
    if (sizeBytes > word(LARGEST_FREE) || status != Status.OK) {
      return false;
    }
    synchronized (lock) {
      long handle = allocateLocked(sizeBytes);
      if (handle == OffsetAllocator.NO_SPACE) {
        return false;
      }
      out.add(this, handle, allocator.offsetOf(handle));
      return true;
    }
  }

  private long allocateLocked(long sizeBytes) {
    if (status != Status.OK) {
      return OffsetAllocator.NO_SPACE;
    }
    long handle = allocator.allocate(sizeBytes);
    if (handle != OffsetAllocator.NO_SPACE) {
      allocatedBytesLocked += sizeBytes;
      clusterAllocatedBytes.add(sizeBytes);
      publishLocked();
    }
    return handle;
  }

  /** Byte offset of {@code handle} from the segment base. Throws IllegalStateException once unmounted. */
  public long offsetOf(long handle) {
    synchronized (lock) {
      if (allocator == null) {
        throw new IllegalStateException("segment " + name + " is unmounted");
      }
      return allocator.offsetOf(handle);
    }
  }

  /** Returns the region of {@code handle}; {@code requestedBytes} is what was asked for. No-op once unmounted. */
  public void free(long handle, long requestedBytes) {
    synchronized (lock) {
      if (allocator == null) {
        return;
      }
      allocator.free(handle);
      allocatedBytesLocked -= requestedBytes;
      clusterAllocatedBytes.add(-requestedBytes);
      publishLocked();
    }
  }

  /** Sum of the REQUESTED bytes of live allocations (the reference's size(); rounding waste is not counted). */
  public long allocatedBytes() {
    return word(ALLOCATED);
  }

  /** Exactly the largest request that can succeed here now (0 when not allocatable). Lock-free read. */
  public long largestFreeRegion() {
    return status == Status.OK ? word(LARGEST_FREE) : 0;
  }

  /** Free bytes in all regions of the allocator (0 when not allocatable). Lock-free read. */
  public long totalFreeSpace() {
    return status == Status.OK ? word(TOTAL_FREE) : 0;
  }

  /** (capacity − requested bytes) / capacity, the free_ratio_first score. Lock-free read. */
  public double freeRatio() {
    return (double) (capacityBytes - word(ALLOCATED)) / capacityBytes;
  }

  /**
   * Free bytes in the regions an allocation of {@code sizeBytes} could land in (regions too small for it are not
   * counted); 0 when it cannot land anywhere or the segment is not allocatable. Lock-free read.
   */
  public long fittingFreeSpace(long sizeBytes) {
    if (sizeBytes <= 0) {
      throw new IllegalArgumentException("request size must be > 0 bytes, got " + sizeBytes);
    }
    long largest = largestFreeRegion();
    return sizeBytes > largest ? 0 : fittingFreeSpace(SizeBins.roundUp(SizeBins.units(sizeBytes, unitShift)), largest);
  }

  /**
   * fittingFreeSpace() for a request already converted to its bin in this segment's units ({@link #unitShift()}), given
   * a largest free region read just before that the request fits in.
   */
  long fittingFreeSpace(int requestBin, long largestFree) {
    if (requestBin <= word(SMALLEST_FREE_BIN)) {
      return word(TOTAL_FREE); // every free region can hold it: the common case for small requests, and one region
    }
    int largestBin = SizeBins.roundDown(largestFree >>> unitShift); // largestFree is a bin size: exact
    return freeSpaceByClass.unitsFromBin(requestBin, largestBin) << unitShift;
  }

  /** Allocation unit of this segment's allocator, as a shift (0 up to 3.75 GiB). */
  int unitShift() {
    return unitShift;
  }

  /** Bytes an allocation of {@code sizeBytes} reserves here (bin-rounded), or NO_SPACE if it can never fit. */
  public long roundedSize(long sizeBytes) {
    return SizeBins.roundedBytes(sizeBytes, unitShift);
  }

  /** Live allocations (0 once unmounted). */
  public int liveAllocations() {
    synchronized (lock) {
      return allocator == null ? 0 : allocator.liveAllocations();
    }
  }

  /** FENCED → OK: the mount is durable; allocations may start. */
  public boolean markAttached() {
    synchronized (lock) {
      if (status == Status.FENCED) {
        status = Status.OK;
        publishLocked();
        return true;
      }
      return false;
    }
  }

  /** OK (or FENCED) → DRAINING: no new allocations, existing ones stay readable and freeable. */
  void markDraining() {
    synchronized (lock) {
      if (status == Status.OK || status == Status.FENCED) {
        status = Status.DRAINING;
      }
    }
  }

  /** → UNMOUNTED: drops the allocator and this segment's share of the cluster totals; later frees are no-ops. */
  void markUnmounted() {
    synchronized (lock) {
      if (status == Status.UNMOUNTED) {
        return;
      }
      status = Status.UNMOUNTED;
      allocator = null;
      clusterAllocatedBytes.add(-allocatedBytesLocked);
      allocatedBytesLocked = 0;
      ALLOCATED.setRelease(this, 0L);
      TOTAL_FREE.setRelease(this, 0L);
      LARGEST_FREE.setRelease(this, 0L);
      SMALLEST_FREE_BIN.setRelease(this, -1L);
    }
  }

  /**
   * Republishes the snapshot after a change with release stores, which pair with the acquire loads of {@link #word}:
   * a reader that sees a word also sees everything the lock holder wrote before it. Plain moves on x86, so publishing
   * costs the lock holder almost nothing.
   */
  private void publishLocked() {
    ALLOCATED.setRelease(this, allocatedBytesLocked);
    TOTAL_FREE.setRelease(this, allocator.totalFreeSpace());
    LARGEST_FREE.setRelease(this, allocator.largestFreeRegion());
    SMALLEST_FREE_BIN.setRelease(this, (long) allocator.smallestFreeBin());
  }

  /** Acquire read: pairs with the release stores of publishLocked. */
  private long word(VarHandle field) {
    return (long) field.getAcquire(this);
  }

  private static VarHandle snapshotField(String name) {
    try {
      return MethodHandles.lookup().findVarHandle(Segment.class, name, long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @Override
  public String toString() {
    return "Segment[" + name + " on " + nodeId + ", " + status + ", " + allocatedBytes() + "/" + capacityBytes + "]";
  }
}
