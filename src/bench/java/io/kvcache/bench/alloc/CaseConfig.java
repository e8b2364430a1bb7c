package io.kvcache.bench.alloc;

/** What identifies a strategy benchmark case (the workload adds its own knobs). */
record CaseConfig(String strategy, int segments, long segmentCapacity, boolean skewed, int replicas, long seed) {
  private static final double GiB = 1024.0 * 1024 * 1024;

  /** Strategy, Replica, Segments, {@code detail}, Cluster(GB), Skewed: the leading columns of every table. */
  Object[] leadingCells(String detail, double clusterBytes) {
    return new Object[] {StrategyRun.displayName(strategy), replicas, segments, detail,
        Table.fixed(clusterBytes / GiB, 1), skewed ? "yes" : "no"};
  }

  static String[] leadingHeader(String detail) {
    return new String[] {"Strategy", "Replica", "Segments", detail, "Cluster(GB)", "Skewed"};
  }
}
