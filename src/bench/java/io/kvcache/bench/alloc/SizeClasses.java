package io.kvcache.bench.alloc;

import java.util.SplittableRandom;

/** size_class_churn's weighted size classes. Immutable. */
record SizeClasses(String name, long[] sizes, int[] weights) {
  static SizeClasses named(String pattern) {
    return switch (pattern) {
      // 4 KiB : 256 KiB : one KV page = 70 : 20 : 10
      case "kv_mixed" -> new SizeClasses(pattern, new long[] {4 * Workloads.KiB, 256 * Workloads.KiB, Workloads.KV_PAGE},
          new int[] {70, 20, 10});
      // KV page : indexer entry = 50 : 50
      case "dsa_pair" -> new SizeClasses(pattern, new long[] {Workloads.KV_PAGE, Workloads.INDEXER}, new int[] {50, 50});
      default -> throw new IllegalArgumentException("unknown size-class pattern '" + pattern + "'; valid: kv_mixed, dsa_pair");
    };
  }

  long next(SplittableRandom random) {
    int total = 0;
    for (int weight : weights) {
      total += weight;
    }
    int pick = 1 + random.nextInt(total);
    for (int i = 0; i < sizes.length; i++) {
      pick -= weights[i];
      if (pick <= 0) {
        return sizes[i];
      }
    }
    return sizes[sizes.length - 1];
  }

  double meanSize() {
    double sum = 0;
    int total = 0;
    for (int i = 0; i < sizes.length; i++) {
      sum += (double) sizes[i] * weights[i];
      total += weights[i];
    }
    return sum / total;
  }
}
