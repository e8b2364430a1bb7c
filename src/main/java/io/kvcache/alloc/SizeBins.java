package io.kvcache.alloc;

/**
 * The size classes of {@link OffsetAllocator}: a tiny floating-point format with a 5-bit exponent and a 3-bit mantissa, so
 * bin {@code b} holds sizes from {@code sizeOf(b)} up to (not including) {@code sizeOf(b + 1)}. Every octave is cut into 8
 * equal steps, which bounds the rounding waste of a request at 1/8 of its size whatever the size. Sizes below 8 units are
 * exact ("denormal" bins 0..7).
 *
 * <p>Requests round UP (the bin whose every free node can hold them); free regions round DOWN (the bin whose smallest size
 * they can always satisfy). That pairing is what makes the allocator's search O(1) and its largest-free-region exact.
 *
 * <p>Stateless; thread-safe.
 */
final class SizeBins {
  private SizeBins() {}

  static final int MANTISSA_BITS = 3;
  static final int MANTISSA_VALUE = 1 << MANTISSA_BITS;
  static final int MANTISSA_MASK = MANTISSA_VALUE - 1;
  /** 32 exponents × 8 mantissas. */
  static final int BINS = 32 * MANTISSA_VALUE;
  /** The non-empty-bin bitmap is BINS bits in longs. */
  static final int BIN_WORDS = BINS / 64;
  /** The largest size class that fits 32 unsigned bits: 15 &lt;&lt; 28 units (3.75 Gi units, bin 239). */
  static final long MAX_BIN_SIZE = 4_026_531_840L;

  /** Bin of the smallest class that is at least {@code units} (1 &lt;= units &lt;= MAX_BIN_SIZE). */
  static int roundUp(long units) {
    int bin = roundDown(units);
    return sizeOf(bin) == units ? bin : bin + 1; // + 1 may carry into the exponent: the first bin of the next octave
  }

  /** Bin of the largest class that is at most {@code units} (units &gt;= 1). */
  static int roundDown(long units) {
    if (units < MANTISSA_VALUE) {
      return (int) units;
    }
    int highestBit = 63 - Long.numberOfLeadingZeros(units);
    int mantissaShift = highestBit - MANTISSA_BITS;
    int mantissa = (int) ((units >>> mantissaShift) & MANTISSA_MASK);
    return ((mantissaShift + 1) << MANTISSA_BITS) | mantissa;
  }

  /** The size, in units, that bin {@code bin} stands for. */
  static long sizeOf(int bin) {
    int exponent = bin >>> MANTISSA_BITS;
    long mantissa = bin & MANTISSA_MASK;
    return exponent == 0 ? mantissa : (mantissa | MANTISSA_VALUE) << (exponent - 1);
  }

  /** {@code sizeBytes} (&gt; 0) in units of 2^unitShift bytes, rounded up. */
  static long units(long sizeBytes, int unitShift) {
    long unitMask = (1L << unitShift) - 1;
    return (sizeBytes >>> unitShift) + ((sizeBytes & unitMask) != 0 ? 1 : 0);
  }

  /** Bytes an allocation of {@code sizeBytes} reserves (bin-rounded), -1 if no bin can hold it; IAE if &lt;= 0. */
  static long roundedBytes(long sizeBytes, int unitShift) {
    if (sizeBytes <= 0) {
      throw new IllegalArgumentException("allocation size must be > 0 bytes, got " + sizeBytes);
    }
    long units = units(sizeBytes, unitShift);
    return units > MAX_BIN_SIZE ? -1 : sizeOf(roundUp(units)) << unitShift;
  }

  /** Largest request (bytes) a bitmap of non-empty bins can serve: the size of its highest bin, 0 if all are empty. */
  static long largestRequest(long w0, long w1, long w2, long w3, int unitShift) {
    int highest;
    if (w3 != 0) {
      highest = 192 + 63 - Long.numberOfLeadingZeros(w3);
    } else if (w2 != 0) {
      highest = 128 + 63 - Long.numberOfLeadingZeros(w2);
    } else if (w1 != 0) {
      highest = 64 + 63 - Long.numberOfLeadingZeros(w1);
    } else if (w0 != 0) {
      highest = 63 - Long.numberOfLeadingZeros(w0);
    } else {
      return 0;
    }
    return sizeOf(highest) << unitShift;
  }
}
