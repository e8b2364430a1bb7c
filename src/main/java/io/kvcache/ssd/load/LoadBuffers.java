package io.kvcache.ssd.load;

import io.kvcache.util.Result;
import io.kvcache.util.Tokens;
import io.kvcache.alloc.OffsetAllocator;
import io.kvcache.proto.v1.ErrorCode;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * The node's load buffers (seed item 3): one pre-allocated, 4096-aligned region (registered as the rings' fixed buffer)
 * carved into per-key slots for objects read back from SSD. Slots are taken a batch at a time; each batch gets a
 * 128-bit random id (never sequential, so ids cannot be guessed) and an owner, and lives until the owner releases it —
 * early, as soon as its bytes are sent — or until its GC lease runs out. Releasing someone else's batch is refused.
 *
 * <p>Sizes are validated before any arithmetic: a negative, zero or larger-than-the-region size is INVALID_PARAMS and
 * allocates nothing (the C++ version overflowed its heap on size −1). Slots are whole pages, page-aligned, so O_DIRECT
 * reads land in them directly.
 *
 * <p>Thread-safe: every method is synchronized (SSD worker threads fill batches, gateways release them).
 */
public final class LoadBuffers {
  public static final int PAGE = 4096;

  /** A batch of slots: its id, owner, lease and one slot per object (null where that object was not allocated). */
  public static final class Batch {
    final String id;
    final String owner;
    final long expiresAtMs;
    final long[] handles;
    final MemorySegment[] slots;

    Batch(String id, String owner, long expiresAtMs, long[] handles, MemorySegment[] slots) {
      this.id = id;
      this.owner = owner;
      this.expiresAtMs = expiresAtMs;
      this.handles = handles;
      this.slots = slots;
    }

    public String id() {
      return id;
    }

    public String owner() {
      return owner;
    }

    /** The slot for object {@code i}: page-aligned, its size rounded up to whole pages. */
    public MemorySegment slot(int i) {
      return slots[i];
    }

    public int size() {
      return slots.length;
    }
  }

  private final MemorySegment region;
  private final OffsetAllocator pages;
  private final long leaseMs;
  private final Map<String, Batch> batches = new HashMap<>();
  private long usedBytes;
  private long earlyReleases;
  private long gcReclaims;
  private long refusedReleases;

  /** @param region page-aligned, a whole number of pages; not owned (the caller closes it after this) */
  public LoadBuffers(MemorySegment region, long leaseMs) {
    if (region.address() % PAGE != 0 || region.byteSize() % PAGE != 0 || region.byteSize() == 0) {
      throw new IllegalArgumentException("load-buffer region must be page-aligned whole pages, got "
          + region.byteSize() + " bytes at 0x" + Long.toHexString(region.address()));
    }
    this.region = region;
    this.pages = new OffsetAllocator(region.byteSize() / PAGE);
    this.leaseMs = leaseMs;
  }

  public MemorySegment region() {
    return region;
  }

  /**
   * Allocates one slot per size for {@code owner}, all or nothing: INVALID_PARAMS for a bad size, BUFFER_OVERFLOW when
   * the region is full even after reclaiming expired batches.
   */
  public synchronized Result<Batch> allocate(String owner, long[] sizes, long nowMs) {
    for (long size : sizes) {
      if (size <= 0 || size > region.byteSize()) {
        return Result.fail(ErrorCode.INVALID_PARAMS);
      }
    }
    Batch batch = tryAllocate(owner, sizes, nowMs);
    if (batch == null && gc(nowMs) > 0) {
      batch = tryAllocate(owner, sizes, nowMs);
    }
    return batch == null ? Result.fail(ErrorCode.BUFFER_OVERFLOW) : Result.ok(batch);
  }

  private Batch tryAllocate(String owner, long[] sizes, long nowMs) {
    long[] handles = new long[sizes.length];
    MemorySegment[] slots = new MemorySegment[sizes.length];
    for (int i = 0; i < sizes.length; i++) {
      long slotPages = (sizes[i] + PAGE - 1) / PAGE; // sizes were checked: no overflow
      long handle = pages.allocate(slotPages);
      if (handle == OffsetAllocator.NO_SPACE) {
        for (int j = 0; j < i; j++) {
          pages.free(handles[j]);
        }
        return null;
      }
      handles[i] = handle;
      slots[i] = region.asSlice(pages.offsetOf(handle) * PAGE, slotPages * PAGE);
    }
    for (MemorySegment slot : slots) {
      usedBytes += slot.byteSize(); // counted only once the whole batch fits
    }
    Batch batch = new Batch(Tokens.random128(), owner, nowMs + leaseMs, handles, slots);
    batches.put(batch.id, batch);
    return batch;
  }

  /**
   * Copies the first {@code target.remaining()} bytes of object {@code index} of batch {@code id} into {@code target},
   * under this object's lock so the GC cannot reclaim (and a new batch reuse) the slot mid-copy. INVALID_PARAMS if the
   * batch is not {@code owner}'s or not alive, or the index or size is out of the slot.
   */
  public synchronized ErrorCode copyOut(String id, String owner, int index, java.nio.ByteBuffer target) {
    Batch b = batches.get(id);
    if (b == null || !b.owner.equals(owner) || index < 0 || index >= b.size()
        || target.remaining() > b.slot(index).byteSize()) {
      return ErrorCode.INVALID_PARAMS;
    }
    MemorySegment.ofBuffer(target).copyFrom(b.slot(index).asSlice(0, target.remaining()));
    return ErrorCode.OK;
  }

  /** The batch {@code id} if {@code owner} owns it and it is alive, else null (not found, expired, or not the owner). */
  public synchronized Batch get(String id, String owner) {
    Batch b = batches.get(id);
    return b != null && b.owner.equals(owner) ? b : null;
  }

  /** The owner's early release: OK, TASK_NOT_FOUND (unknown or already reclaimed) or ILLEGAL_CLIENT (not the owner). */
  public synchronized ErrorCode release(String id, String owner) {
    Batch b = batches.get(id);
    if (b == null) {
      return ErrorCode.TASK_NOT_FOUND;
    }
    if (!b.owner.equals(owner)) {
      refusedReleases++;
      return ErrorCode.ILLEGAL_CLIENT;
    }
    free(b);
    earlyReleases++;
    return ErrorCode.OK;
  }

  /** Reclaims batches whose lease ran out (their owner forgot them); returns how many. */
  public synchronized int gc(long nowMs) {
    int reclaimed = 0;
    for (Iterator<Batch> it = batches.values().iterator(); it.hasNext(); ) {
      Batch b = it.next();
      if (b.expiresAtMs <= nowMs) {
        it.remove();
        freeSlots(b);
        reclaimed++;
      }
    }
    gcReclaims += reclaimed;
    return reclaimed;
  }

  private void free(Batch b) {
    batches.remove(b.id);
    freeSlots(b);
  }

  private void freeSlots(Batch b) {
    for (int i = 0; i < b.handles.length; i++) {
      usedBytes -= b.slots[i].byteSize();
      pages.free(b.handles[i]);
    }
  }

  public synchronized long usedBytes() {
    return usedBytes;
  }

  public synchronized int liveBatches() {
    return batches.size();
  }

  public synchronized long earlyReleases() {
    return earlyReleases;
  }

  public synchronized long gcReclaims() {
    return gcReclaims;
  }

  public synchronized long refusedReleases() {
    return refusedReleases;
  }
}
