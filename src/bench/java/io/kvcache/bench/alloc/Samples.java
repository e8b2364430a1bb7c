package io.kvcache.bench.alloc;

import java.util.Arrays;

/** A growable array of doubles with the reference benchmarks' percentile rules. Single-threaded. */
final class Samples {
  private double[] values;
  private int count;

  Samples(int expected) {
    values = new double[Math.max(16, expected)];
  }

  void add(double value) {
    if (count == values.length) {
      values = Arrays.copyOf(values, count * 2);
    }
    values[count++] = value;
  }

  int count() {
    return count;
  }

  double mean() {
    double sum = 0;
    for (int i = 0; i < count; i++) {
      sum += values[i];
    }
    return count == 0 ? 0 : sum / count;
  }

  /** values[floor(p × n)] of the sorted samples (allocation_strategy_bench's computeLatencyStats). */
  double percentile(double p) {
    if (count == 0) {
      return 0;
    }
    Arrays.sort(values, 0, count);
    return values[Math.min(count - 1, (int) (p * count))];
  }

  /**
   * min, "p99", "p90", p50, max, avg with 6 decimals, as the reference prints utilisation ratios: its p99/p90 are the
   * 1st/10th percentiles (the low tail is what matters for utilisation).
   */
  String[] utilisationCells() {
    return new String[] {Table.fixed(min(), 6), Table.fixed(percentile(0.01), 6), Table.fixed(percentile(0.10), 6),
        Table.fixed(percentile(0.50), 6), Table.fixed(max(), 6), Table.fixed(mean(), 6)};
  }

  double min() {
    return percentile(0);
  }

  double max() {
    return percentile(1);
  }
}
