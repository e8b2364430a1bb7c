package io.kvcache.alloc;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Free space of one allocator by size class: for each bin, the units of the free regions filed under it, kept as a
 * Fenwick tree so "free units in regions of bin &gt;= b" (the space a request of bin b could land in) costs O(log 256)
 * to update and to query.
 *
 * <p>Thread-safety: one writer, the allocator, which its {@link Segment}'s lock serialises; every entry it changes is
 * written with a release store. Any thread may query (acquire loads) without the lock: a query that races an update
 * can see part of it (a region counted in both its old and new class, or in neither), which a ranking tolerates; the
 * result is clamped to [0, total].
 */
final class FreeSpaceIndex {
  private static final VarHandle ENTRY = MethodHandles.arrayElementVarHandle(long[].class);
  private static final int SIZE = SizeBins.BINS; // a power of two: tree[SIZE] is the total

  private final long[] tree = new long[SIZE + 1]; // 1-based Fenwick tree over bins 0..SIZE-1

  /** Writer only: {@code units} more (or fewer, if negative) free units in bin {@code bin}. */
  void add(int bin, long units) {
    for (int i = bin + 1; i <= SIZE; i += i & -i) {
      ENTRY.setRelease(tree, i, tree[i] + units); // plain read: the writer reads its own last store
    }
  }

  /** Free units in regions filed under bins &gt;= {@code bin}. Lock-free. */
  long unitsFromBin(int bin) {
    long total = (long) ENTRY.getAcquire(tree, SIZE);
    long below = 0;
    for (int i = bin; i > 0; i -= i & -i) {
      below += (long) ENTRY.getAcquire(tree, i);
    }
    return Math.clamp(total - below, 0, total);
  }
}
