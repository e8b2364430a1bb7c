package io.kvcache.alloc;

import java.util.Arrays;

/**
 * Bin-based offset allocator for one segment (the Mooncake/OffsetAllocator design, written from its description): the
 * segment is a line of regions, each a <em>node</em>; free nodes sit in 256 size-class bins ({@link SizeBins}); a 256-bit
 * bitmap of non-empty bins (4 longs) finds the first non-empty bin at or above a request's class in O(1).
 *
 * <ul>
 *   <li>A request rounds up to its bin size and the node handed out is exactly that size, so a freed node goes back to the
 *       bin it came from; the rest of the free node becomes a new free node to its right.</li>
 *   <li>Freeing merges the node with free left/right neighbours (neighbour links) before re-binning it.</li>
 *   <li>The largest free region is the size of the highest non-empty bin: exactly the largest request that can succeed.</li>
 *   <li>Sizes are counted in units of {@code 2^unitShift} bytes, the smallest power of two that keeps the capacity within
 *       3.75 Gi units (32-bit sizes); segments up to 3.75 GiB use 1-byte units.</li>
 *   <li>At most {@code maxNodes} nodes exist; allocation needs a spare node (for the remainder), so {@code maxNodes − 1}
 *       live allocations fit, and once every node is in use nothing can be allocated (largest free region 0).</li>
 * </ul>
 *
 * <p>Handles are {@code generation << 32 | node}: a handle that was freed (or never issued) is rejected instead of
 * corrupting a region now owned by someone else.
 *
 * <p>Memory: nodes are 8 ints each in one array (one cache line holds two nodes); node arrays start at
 * {@code initNodes} and grow by half up to {@code maxNodes}, so allocate/free allocate no Java objects once the high-water mark
 * is reached.
 *
 * <p>NOT thread-safe: {@link Segment} serialises calls under its lock. The one exception is the per-class free-space
 * index, which this allocator publishes for lock-free readers (see {@link FreeSpaceIndex}).
 */
public final class OffsetAllocator {
  public static final long NO_SPACE = -1L;

  private static final int NIL = -1;
  // Node layout: 8 ints per node at nodes[node << NODE_SHIFT + field].
  private static final int NODE_SHIFT = 3;
  private static final int OFFSET = 0; // units from the segment base (unsigned)
  private static final int SIZE = 1; // units (unsigned); for a used node, the bin-rounded reservation
  private static final int BIN_PREV = 2; // free-list links within the node's bin
  private static final int BIN_NEXT = 3;
  private static final int LEFT = 4; // neighbour nodes in address order
  private static final int RIGHT = 5;
  private static final int USED = 6; // 1 while allocated
  private static final int GENERATION = 7; // bumped on every free, part of the handle

  private final long capacityBytes;
  private final int unitShift;
  private final int maxNodes;

  private int[] nodes;
  private int[] spareNodes; // recycled node indexes (stack)
  private int spareCount;
  private int freshNodes; // nodes ever handed out: indexes [0, freshNodes) exist

  private final int[] binHeads = new int[SizeBins.BINS];
  private final long[] nonEmptyBins = new long[SizeBins.BIN_WORDS]; // bit (b & 63) of word (b >>> 6): bin b has a node
  private final FreeSpaceIndex freeSpaceByBin = new FreeSpaceIndex();

  private long freeUnits;
  private int liveAllocations;
  // Restoring (see reserveAt): the free node right of the last reservation, while nothing else has touched this
  // allocator; NIL once an allocate or free happened (reservations at given offsets are over).
  private int restoreTail = NIL;
  private boolean restoring = true;

  /** An allocator with the reference's node budget: init clamp(size/4096, 1024, 65536), max clamp(size/1024, 1M, 64M). */
  public OffsetAllocator(long capacityBytes) {
    this(capacityBytes, defaultInitNodes(capacityBytes), defaultMaxNodes(capacityBytes));
  }

  public OffsetAllocator(long capacityBytes, int initNodes, int maxNodes) {
    if (capacityBytes <= 0) {
      throw new IllegalArgumentException("capacity must be > 0 bytes, got " + capacityBytes);
    }
    if (maxNodes < 1 || initNodes < 1) {
      throw new IllegalArgumentException("node counts must be >= 1, got init " + initNodes + " max " + maxNodes);
    }
    this.capacityBytes = capacityBytes;
    this.unitShift = unitShiftFor(capacityBytes);
    this.maxNodes = maxNodes;
    int initial = Math.min(initNodes, maxNodes);
    this.nodes = new int[initial << NODE_SHIFT];
    this.spareNodes = new int[initial];
    Arrays.fill(binHeads, NIL);
    long capacityUnits = capacityBytes >>> unitShift;
    this.freeUnits = capacityUnits;
    int whole = takeNode();
    set(whole, OFFSET, 0);
    set(whole, SIZE, capacityUnits);
    setLink(whole, LEFT, NIL);
    setLink(whole, RIGHT, NIL);
    insertIntoBin(whole, capacityUnits);
    restoreTail = whole;
  }

  static int defaultInitNodes(long capacityBytes) {
    return (int) Math.clamp(capacityBytes / 4096, 1024, 65536);
  }

  static int defaultMaxNodes(long capacityBytes) {
    return (int) Math.clamp(capacityBytes / 1024, 1L << 20, 64L << 20);
  }

  /** Smallest shift with (capacity >> shift) <= 3.75 Gi, so every size and offset fits 32 unsigned bits. */
  static int unitShiftFor(long capacityBytes) {
    int shift = 0;
    while ((capacityBytes >>> shift) > SizeBins.MAX_BIN_SIZE) {
      shift++;
    }
    return shift;
  }

  /** Reserves a region of at least {@code sizeBytes}; returns its handle (>= 0) or {@link #NO_SPACE}. */
  public long allocate(long sizeBytes) {
    restoring = false;
    long units = unitsFor(sizeBytes);
    if (units > SizeBins.MAX_BIN_SIZE || usedNodes() == maxNodes) {
      return NO_SPACE; // too large for any bin, or no spare node for the remainder (reference: every allocation fails)
    }
    int requestBin = SizeBins.roundUp(units);
    int bin = firstNonEmptyBinFrom(requestBin);
    if (bin == NIL) {
      return NO_SPACE;
    }
    int node = binHeads[bin];
    long nodeSize = get(node, SIZE);
    removeFromBin(node, bin, nodeSize);
    long reserved = SizeBins.sizeOf(requestBin);
    long remainder = nodeSize - reserved;
    if (remainder > 0) {
      splitRight(node, reserved, remainder);
    }
    set(node, SIZE, reserved);
    nodes[(node << NODE_SHIFT) + USED] = 1;
    freeUnits -= reserved;
    liveAllocations++;
    return handleOf(node);
  }

  /**
   * Returns the region of {@code handle}, merged with free neighbours, to its bin. Returns the merged free size in bytes,
   * or 0 when every node is still in use afterwards (the reference's "metadata exhausted" signal).
   */
  public long free(long handle) {
    int node = checkedNode(handle);
    restoring = false;
    int base = node << NODE_SHIFT;
    long offset = get(node, OFFSET);
    long size = get(node, SIZE);
    freeUnits += size;
    liveAllocations--;
    nodes[base + USED] = 0;
    nodes[base + GENERATION]++; // the handle just freed no longer validates

    int left = nodes[base + LEFT];
    if (left != NIL && nodes[(left << NODE_SHIFT) + USED] == 0) {
      long leftSize = get(left, SIZE);
      removeFromBin(left, SizeBins.roundDown(leftSize), leftSize);
      offset = get(left, OFFSET);
      size += leftSize;
      unlinkNeighbour(left, node, LEFT, RIGHT);
    }
    int right = nodes[base + RIGHT];
    if (right != NIL && nodes[(right << NODE_SHIFT) + USED] == 0) {
      long rightSize = get(right, SIZE);
      removeFromBin(right, SizeBins.roundDown(rightSize), rightSize);
      size += rightSize;
      unlinkNeighbour(right, node, RIGHT, LEFT);
    }
    set(node, OFFSET, offset);
    set(node, SIZE, size);
    insertIntoBin(node, size);
    return usedNodes() == maxNodes ? 0 : size << unitShift;
  }

  /**
   * Rebuilding a segment's allocator from replicated metadata (a promoted standby): reserves the region a request of
   * {@code sizeBytes} reserved at {@code offsetBytes} — exactly what {@link #allocate} would have reserved for it, the
   * bin-rounded size — so that later frees and allocations behave as on the master that made it. Reservations must come
   * in ascending offset order on a fresh allocator (each carves the free tail right of the previous one) and before any
   * allocate or free; an IllegalStateException otherwise.
   *
   * @return the handle, or {@link #NO_SPACE} if the region is misaligned, overlaps the previous reservation, ends beyond
   *     the capacity or no node is left to describe it (the caller drops that replica, nothing changes)
   */
  public long reserveAt(long offsetBytes, long sizeBytes) {
    if (!restoring) {
      throw new IllegalStateException("reserveAt only rebuilds a fresh allocator, before any allocate or free");
    }
    long units = unitsFor(sizeBytes);
    if (units > SizeBins.MAX_BIN_SIZE || offsetBytes < 0 || (offsetBytes & (unitBytes() - 1)) != 0
        || restoreTail == NIL || usedNodes() + 2 > maxNodes) {
      return NO_SPACE;
    }
    long reserved = SizeBins.sizeOf(SizeBins.roundUp(units));
    long at = offsetBytes >>> unitShift;
    int tail = restoreTail;
    long tailOffset = get(tail, OFFSET);
    long tailSize = get(tail, SIZE);
    if (at < tailOffset || at - tailOffset > tailSize - reserved || reserved > tailSize) {
      return NO_SPACE; // overlaps the previous reservation or runs past the end (overflow-safe comparisons)
    }
    removeFromBin(tail, SizeBins.roundDown(tailSize), tailSize);
    int node = tail;
    long gap = at - tailOffset;
    if (gap > 0) { // the tail keeps the gap (free); the region starts a node of its own
      splitRight(tail, gap, tailSize - gap);
      node = nodes[(tail << NODE_SHIFT) + RIGHT];
      removeFromBin(node, SizeBins.roundDown(tailSize - gap), tailSize - gap);
      set(tail, SIZE, gap);
      insertIntoBin(tail, gap);
    }
    long remainder = tailSize - gap - reserved;
    if (remainder > 0) {
      splitRight(node, reserved, remainder);
      restoreTail = nodes[(node << NODE_SHIFT) + RIGHT];
    } else {
      restoreTail = NIL;
    }
    set(node, SIZE, reserved);
    nodes[(node << NODE_SHIFT) + USED] = 1;
    freeUnits -= reserved;
    liveAllocations++;
    return handleOf(node);
  }

  /** Byte offset of the allocation from the segment base. */
  public long offsetOf(long handle) {
    return get(checkedNode(handle), OFFSET) << unitShift;
  }

  /** Bytes actually reserved for the allocation (its request rounded up to the bin size). */
  public long allocatedSizeOf(long handle) {
    return get(checkedNode(handle), SIZE) << unitShift;
  }

  /** Exactly the largest request that can succeed now: capacity when empty, 0 when full or out of nodes. */
  public long largestFreeRegion() {
    if (usedNodes() == maxNodes) {
      return 0;
    }
    return SizeBins.largestRequest(nonEmptyBins[0], nonEmptyBins[1], nonEmptyBins[2], nonEmptyBins[3], unitShift);
  }

  /** Bin of the smallest free region, or -1 when there is none. */
  int smallestFreeBin() {
    for (int word = 0; word < SizeBins.BIN_WORDS; word++) {
      if (nonEmptyBins[word] != 0) {
        return (word << 6) | Long.numberOfTrailingZeros(nonEmptyBins[word]);
      }
    }
    return -1;
  }

  /** Free bytes in all regions (what is not reserved; counts the true free space even when nodes are exhausted). */
  public long totalFreeSpace() {
    return freeUnits << unitShift;
  }

  public long capacity() {
    return capacityBytes;
  }

  /** Bytes an allocation of {@code sizeBytes} would reserve, or {@link #NO_SPACE} if no bin can hold it. */
  public long roundedSize(long sizeBytes) {
    return SizeBins.roundedBytes(sizeBytes, unitShift);
  }

  public int liveAllocations() {
    return liveAllocations;
  }

  /** Allocation unit in bytes (1 up to 3.75 GiB segments, then the next powers of two). */
  public long unitBytes() {
    return 1L << unitShift;
  }

  /** Nodes currently describing a region (allocated or free). */
  public int usedNodes() {
    return freshNodes - spareCount;
  }

  public int maxNodes() {
    return maxNodes;
  }

  /**
   * Free bytes in the regions a request of {@code sizeBytes} could be carved from (regions filed at or above its bin):
   * the free space that is usable for objects of this size. 0 when the request cannot succeed at all.
   */
  public long fittingFreeSpace(long sizeBytes) {
    long units = unitsFor(sizeBytes);
    if (units > SizeBins.MAX_BIN_SIZE || usedNodes() == maxNodes) {
      return 0;
    }
    long largestUnits = largestFreeRegion() >>> unitShift;
    return freeSpaceByBin.unitsFromBin(SizeBins.roundUp(units), SizeBins.roundDown(Math.max(1, largestUnits)))
        << unitShift;
  }

  /** The per-class free space, published for lock-free readers (see {@link FreeSpaceIndex}). */
  FreeSpaceIndex freeSpaceIndex() {
    return freeSpaceByBin;
  }

  int unitShift() {
    return unitShift;
  }

  private long unitsFor(long sizeBytes) {
    if (sizeBytes <= 0) {
      throw new IllegalArgumentException("allocation size must be > 0 bytes, got " + sizeBytes);
    }
    return SizeBins.units(sizeBytes, unitShift);
  }

  private int firstNonEmptyBinFrom(int bin) {
    int word = bin >>> 6;
    long candidates = nonEmptyBins[word] & (-1L << bin); // Java masks the shift to bin & 63
    while (candidates == 0) {
      if (++word == SizeBins.BIN_WORDS) {
        return NIL;
      }
      candidates = nonEmptyBins[word];
    }
    return (word << 6) | Long.numberOfTrailingZeros(candidates);
  }

  /** Carves a free node of {@code remainder} units right after the first {@code keep} units of {@code node}. */
  private void splitRight(int node, long keep, long remainder) {
    int rest = takeNode();
    int oldRight = nodes[(node << NODE_SHIFT) + RIGHT];
    set(rest, OFFSET, get(node, OFFSET) + keep);
    set(rest, SIZE, remainder);
    setLink(rest, LEFT, node);
    setLink(rest, RIGHT, oldRight);
    if (oldRight != NIL) {
      setLink(oldRight, LEFT, rest);
    }
    setLink(node, RIGHT, rest);
    insertIntoBin(rest, remainder);
  }

  /** Drops {@code gone} (a neighbour of {@code keeper} on side {@code side}) from the neighbour chain and recycles it. */
  private void unlinkNeighbour(int gone, int keeper, int side, int otherSide) {
    int beyond = nodes[(gone << NODE_SHIFT) + side];
    setLink(keeper, side, beyond);
    if (beyond != NIL) {
      setLink(beyond, otherSide, keeper);
    }
    spareNodes[spareCount++] = gone;
  }

  private void insertIntoBin(int node, long sizeUnits) {
    int bin = SizeBins.roundDown(sizeUnits);
    int head = binHeads[bin];
    setLink(node, BIN_PREV, NIL);
    setLink(node, BIN_NEXT, head);
    if (head != NIL) {
      setLink(head, BIN_PREV, node);
    }
    binHeads[bin] = node;
    nonEmptyBins[bin >>> 6] |= 1L << bin;
    freeSpaceByBin.add(bin, sizeUnits);
  }

  private void removeFromBin(int node, int bin, long sizeUnits) {
    freeSpaceByBin.add(bin, -sizeUnits);
    int base = node << NODE_SHIFT;
    int prev = nodes[base + BIN_PREV];
    int next = nodes[base + BIN_NEXT];
    if (prev != NIL) {
      setLink(prev, BIN_NEXT, next);
    } else {
      binHeads[bin] = next;
      if (next == NIL) {
        nonEmptyBins[bin >>> 6] &= ~(1L << bin);
      }
    }
    if (next != NIL) {
      setLink(next, BIN_PREV, prev);
    }
  }

  private int takeNode() {
    if (spareCount > 0) {
      return spareNodes[--spareCount];
    }
    if (freshNodes << NODE_SHIFT == nodes.length) {
      growNodes();
    }
    return freshNodes++;
  }

  /**
   * Grows the node arrays by half (capped at maxNodes); callers checked that a node is available. Half, not double:
   * with tens of millions of objects the arrays' slack is heap per object (36 bytes per node), and growth is rare.
   */
  private void growNodes() {
    long current = nodes.length >>> NODE_SHIFT;
    int newCount = (int) Math.min((long) maxNodes, current + Math.max(1, current / 2));
    nodes = Arrays.copyOf(nodes, newCount << NODE_SHIFT);
    spareNodes = Arrays.copyOf(spareNodes, newCount);
  }

  private long handleOf(int node) {
    long generation = nodes[(node << NODE_SHIFT) + GENERATION] & 0x7FFF_FFFFL;
    return (generation << 32) | node;
  }

  private int checkedNode(long handle) {
    int node = (int) handle;
    if (handle < 0 || node < 0 || node >= freshNodes || nodes[(node << NODE_SHIFT) + USED] == 0
        || handleOf(node) != handle) {
      throw new IllegalArgumentException("not a live allocation handle: " + handle);
    }
    return node;
  }

  private long get(int node, int field) {
    return Integer.toUnsignedLong(nodes[(node << NODE_SHIFT) + field]);
  }

  private void set(int node, int field, long unsignedValue) {
    nodes[(node << NODE_SHIFT) + field] = (int) unsignedValue;
  }

  private void setLink(int node, int field, int value) {
    nodes[(node << NODE_SHIFT) + field] = value;
  }
}
