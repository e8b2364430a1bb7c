package io.kvcache.bench.alloc;

import io.kvcache.alloc.Segment;
import io.kvcache.alloc.SegmentRegistry;

/**
 * allocation_strategy_bench's simulated cluster: segments {@code node_<k>_seg_<j>} spread over 10 virtual nodes, skewed
 * mode alternating ×1.5 / ×0.5 capacity, plus the cluster-wide figures its tables report. Single-threaded.
 */
final class Cluster {
  private static final int VIRTUAL_NODES = 10;
  private static final double SKEW = 0.5;

  private Cluster() {}

  static SegmentRegistry create(int segments, long baseCapacity, boolean skewed) {
    SegmentRegistry registry = new SegmentRegistry();
    int perNode = Math.max(1, segments / VIRTUAL_NODES);
    for (int i = 0; i < segments; i++) {
      long capacity = skewed ? (long) (baseCapacity * (i % 2 == 0 ? 1 + SKEW : 1 - SKEW)) : baseCapacity;
      String node = "node_" + (i / perNode);
      registry.mount(node + "_seg_" + (i % perNode), node, node + ":12345", capacity);
    }
    return registry;
  }

  /** Scale-out: {@code count} fresh, unskewed segments join. */
  static void inject(SegmentRegistry registry, int count, long capacity, int idOffset) {
    for (int i = 0; i < count; i++) {
      String node = "new_node_" + (idOffset + i);
      registry.mount(node, node, node + ":12345", capacity);
    }
  }

  static double averageUtil(Segment[] segments) {
    double sum = 0;
    for (Segment s : segments) {
      sum += (double) s.allocatedBytes() / s.capacity();
    }
    return segments.length == 0 ? 0 : sum / segments.length;
  }

  /** Population stddev of per-segment used/capacity (requested bytes). */
  static double utilStdDev(Segment[] segments) {
    double mean = averageUtil(segments);
    double squares = 0;
    for (Segment s : segments) {
      double d = (double) s.allocatedBytes() / s.capacity() - mean;
      squares += d * d;
    }
    return segments.length == 0 ? 0 : Math.sqrt(squares / segments.length);
  }

  /** 1 − largest free / total free per segment, weighted by free space (segments' holes cannot merge). */
  static double fragmentation(Segment[] segments) {
    double weighted = 0;
    double totalFree = 0;
    for (Segment s : segments) {
      long free = s.totalFreeSpace();
      if (free > 0) {
        weighted += Math.clamp(1 - (double) s.largestFreeRegion() / free, 0, 1) * free;
        totalFree += free;
      }
    }
    return totalFree == 0 ? 0 : weighted / totalFree;
  }

  static long largestFree(Segment[] segments) {
    long largest = 0;
    for (Segment s : segments) {
      largest = Math.max(largest, s.largestFreeRegion());
    }
    return largest;
  }

  static long capacity(Segment[] segments) {
    long total = 0;
    for (Segment s : segments) {
      total += s.capacity();
    }
    return total;
  }
}
