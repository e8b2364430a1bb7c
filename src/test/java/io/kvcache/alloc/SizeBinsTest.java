package io.kvcache.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The size classes: the reference's bin table (0..16 exact, then 8 steps per octave, bin 239 = 3.75 Gi). */
class SizeBinsTest {
  @Test
  void binSizesFollowTheReferenceTable() {
    for (int bin = 0; bin <= 16; bin++) {
      assertEquals(bin, SizeBins.sizeOf(bin));
    }
    assertEquals(18, SizeBins.sizeOf(17));
    assertEquals(36, SizeBins.sizeOf(25));
    assertEquals(3_407_872, SizeBins.sizeOf(SizeBins.roundUp(3_274_752)));
    assertEquals(SizeBins.MAX_BIN_SIZE, SizeBins.sizeOf(239));
    assertEquals(239, SizeBins.roundUp(SizeBins.MAX_BIN_SIZE));
  }

  @Test
  void everySizeRoundsUpAndDownToTheNeighbouringClasses() {
    for (int bin = 1; bin < 239; bin++) {
      long size = SizeBins.sizeOf(bin);
      long next = SizeBins.sizeOf(bin + 1);
      assertTrue(next > size);
      assertTrue(next - size <= Math.max(1, size / 8), "step of bin " + bin);
      assertEquals(bin, SizeBins.roundUp(size));
      assertEquals(bin, SizeBins.roundDown(size));
      assertEquals(bin, SizeBins.roundDown(next - 1));
      if (next - size > 1) {
        assertEquals(bin + 1, SizeBins.roundUp(size + 1));
      }
    }
  }

  @Test
  void largestRequestIsTheHighestNonEmptyBin() {
    long bin40 = 1L << 40; // bin 40 = 128 units
    long bin239 = 1L << (239 - 192);
    assertEquals(128, SizeBins.largestRequest(bin40, 0, 0, 0, 0));
    assertEquals(SizeBins.MAX_BIN_SIZE << 4, SizeBins.largestRequest(bin40, 0, 0, bin239, 4));
    assertEquals(0, SizeBins.largestRequest(0, 0, 0, 0, 0));
  }
}
