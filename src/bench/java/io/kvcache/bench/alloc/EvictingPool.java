package io.kvcache.bench.alloc;

import io.kvcache.alloc.OffsetAllocator;
import io.kvcache.alloc.Segment;
import io.kvcache.alloc.SegmentRegistry;
import java.util.SplittableRandom;

/**
 * allocator_bench's helper: allocate; on failure evict live objects at random (one, or a ratio of them) and retry until it
 * fits or nothing is left. Two variants: the bare {@link OffsetAllocator} (what the C++ bench measures, minus its mutex)
 * and a {@link Segment} (the allocator behind its lock plus the published snapshot: what the store really calls).
 * Single-threaded.
 */
abstract sealed class EvictingPool {
  final long poolBytes;
  private final SplittableRandom random;
  private long[] handles;
  private long[] sizes;
  private int live;
  private long allocatedBytes;

  EvictingPool(long poolBytes, int expectedLive, long seed) {
    this.poolBytes = poolBytes;
    this.random = new SplittableRandom(seed);
    this.handles = new long[expectedLive];
    this.sizes = new long[expectedLive];
  }

  abstract long tryAllocate(long size);

  abstract void release(long handle, long size);

  /** Allocates {@code size}, evicting on failure; {@code preEvictUtil} (nullable) records utilisation at each eviction. */
  final void allocate(long size, double evictRatio, Samples preEvictUtil) {
    while (true) {
      long handle = tryAllocate(size);
      if (handle >= 0) {
        if (live == handles.length) {
          handles = java.util.Arrays.copyOf(handles, live * 2);
          sizes = java.util.Arrays.copyOf(sizes, live * 2);
        }
        handles[live] = handle;
        sizes[live++] = size;
        allocatedBytes += size;
        return;
      }
      if (live == 0) {
        return;
      }
      if (preEvictUtil != null) {
        preEvictUtil.add(utilisation());
      }
      int victims = evictRatio > 0 ? Math.max(1, (int) (live * evictRatio)) : 1;
      for (int i = Math.min(victims, live); i > 0; i--) {
        int index = random.nextInt(live);
        release(handles[index], sizes[index]);
        allocatedBytes -= sizes[index];
        live--;
        handles[index] = handles[live];
        sizes[index] = sizes[live];
      }
    }
  }

  final double utilisation() {
    return (double) allocatedBytes / poolBytes;
  }

  static EvictingPool create(boolean segment, long poolBytes, int maxNodes, long seed) {
    return segment ? new SegmentPool(poolBytes, maxNodes, seed) : new AllocatorPool(poolBytes, maxNodes, seed);
  }

  static final class AllocatorPool extends EvictingPool {
    private final OffsetAllocator allocator;

    AllocatorPool(long poolBytes, int maxNodes, long seed) {
      super(poolBytes, Math.min(maxNodes, 1 << 20), seed);
      allocator = new OffsetAllocator(poolBytes, maxNodes, maxNodes);
    }

    @Override
    long tryAllocate(long size) {
      return allocator.allocate(size);
    }

    @Override
    void release(long handle, long size) {
      allocator.free(handle);
    }
  }

  static final class SegmentPool extends EvictingPool {
    private final Segment segment;

    SegmentPool(long poolBytes, int maxNodes, long seed) {
      super(poolBytes, Math.min(maxNodes, 1 << 20), seed);
      segment = new SegmentRegistry().mount("bench", "node", "endpoint", poolBytes, maxNodes, maxNodes);
    }

    @Override
    long tryAllocate(long size) {
      return segment.allocate(size);
    }

    @Override
    void release(long handle, long size) {
      segment.free(handle, size);
    }
  }
}
