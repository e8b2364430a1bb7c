package io.kvcache.ssd.io;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IoChecksTest {
  @Test
  void chunkSizeIsMaxOfPageAndNextPowerOfTwoOfAThirtySecond() {
    assertEquals(4096, IoChecks.chunkSize(4096, 32));
    assertEquals(16384, IoChecks.chunkSize(100 * 4096, 32)); // ceil(409600/32) = 12800 -> 16384
    assertEquals(1 << 20, IoChecks.chunkSize(32L << 20, 32));
    assertEquals(2 << 20, IoChecks.chunkSize(33L << 20, 32));
    assertEquals(8 << 20, IoChecks.chunkSize(256L << 20, 32));
    assertEquals(IoChecks.MAX_CHUNK, IoChecks.chunkSize(64L << 30, 32), "capped by the per-call limit");
  }

  @Test
  void aTransferUpToThirtyTwoGigabytesTakesAtMostThirtyTwoPieces() {
    for (long length = 4096; length <= (32L << 30); length = length * 3 + 4096) {
      long chunk = IoChecks.chunkSize(length, 32);
      long pieces = (length + chunk - 1) / chunk;
      assertTrue(pieces <= 32, length + " bytes in " + pieces + " pieces");
      assertEquals(0, chunk % DirectFile.ALIGNMENT);
    }
  }
}
