package io.kvcache.bench.alloc;

import io.kvcache.alloc.Placement;
import io.kvcache.alloc.Segment;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The objects a strategy benchmark keeps alive (each with its replicas), in parallel arrays so the measured loops create
 * no garbage, and the benchmarks' eviction: free a share of them, picked uniformly at random. Single-threaded.
 */
final class LiveObjects {
  private final int maxReplicas;
  private Segment[] segments;
  private long[] handles;
  private long[] sizes;
  private int[] replicas;
  private int count;

  LiveObjects(int maxReplicas, int expected) {
    this.maxReplicas = maxReplicas;
    int capacity = Math.max(16, expected);
    segments = new Segment[capacity * maxReplicas];
    handles = new long[capacity * maxReplicas];
    sizes = new long[capacity];
    replicas = new int[capacity];
  }

  int count() {
    return count;
  }

  void add(Placement placed, long size) {
    if (count == sizes.length) {
      int grown = count * 2;
      segments = Arrays.copyOf(segments, grown * maxReplicas);
      handles = Arrays.copyOf(handles, grown * maxReplicas);
      sizes = Arrays.copyOf(sizes, grown);
      replicas = Arrays.copyOf(replicas, grown);
    }
    int base = count * maxReplicas;
    for (int i = 0; i < placed.count(); i++) {
      segments[base + i] = placed.segment(i);
      handles[base + i] = placed.handle(i);
    }
    sizes[count] = size;
    replicas[count] = placed.count();
    count++;
  }

  /** Frees max(1, count × ratio) random objects (at most all); evictRandomFraction of the reference. */
  void evict(double ratio, SplittableRandom random) {
    int victims = Math.min(count, Math.max(1, (int) (count * ratio)));
    for (int i = 0; i < victims; i++) {
      remove(random.nextInt(count));
    }
  }

  void removeAll() {
    while (count > 0) {
      remove(count - 1);
    }
  }

  private void remove(int index) {
    int base = index * maxReplicas;
    for (int i = 0; i < replicas[index]; i++) {
      segments[base + i].free(handles[base + i], sizes[index]);
    }
    count--;
    int last = count * maxReplicas;
    System.arraycopy(segments, last, segments, base, maxReplicas);
    System.arraycopy(handles, last, handles, base, maxReplicas);
    Arrays.fill(segments, last, last + maxReplicas, null);
    sizes[index] = sizes[count];
    replicas[index] = replicas[count];
  }
}
