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

  double min() {
    return percentile(0);
  }

  double max() {
    return percentile(1);
  }
}
