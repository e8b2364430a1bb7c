package io.kvcache.gateway;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RangeCheckTest {
  private static final long MAX_VALUE = 64L << 20;
  private static final long SIZE = 128L << 20;

  private static boolean put(long offset, long length) {
    return RangeCheck.fits(offset, length, 1, MAX_VALUE, SIZE);
  }

  @Test
  void rangesInsideTheBufferFit() {
    assertTrue(put(0, 1));
    assertTrue(put(SIZE - 1, 1));
    assertTrue(put(SIZE - MAX_VALUE, MAX_VALUE));
    assertTrue(RangeCheck.fits(SIZE, 0, 0, MAX_VALUE, SIZE)); // a get may ask for 0 bytes of room, even at the end
    assertTrue(RangeCheck.fits(10, 10, 1, MAX_VALUE, 20));
  }

  @Test
  void everyBadRangeIsRefusedWithoutOverflowing() {
    long[][] bad = {
        {-1, 1}, {0, -1}, {Long.MIN_VALUE, 1}, {1, Long.MIN_VALUE}, {0, 0},
        {SIZE, 1}, {SIZE - 1, 2}, {0, SIZE + 1}, {1, SIZE},
        {Long.MAX_VALUE, 1}, {1, Long.MAX_VALUE}, {Long.MAX_VALUE, Long.MAX_VALUE},
        {Long.MAX_VALUE - 5, 16}, {1L << 62, 1L << 62},
        {0, MAX_VALUE + 1},
    };
    for (long[] range : bad) {
      assertFalse(put(range[0], range[1]), range[0] + ", " + range[1]);
    }
    assertFalse(RangeCheck.fits(0, 2, 0, MAX_VALUE, 1)); // longer than a tiny buffer
    assertFalse(RangeCheck.fits(SIZE + 1, 0, 0, MAX_VALUE, SIZE)); // an empty room past the end
  }
}
