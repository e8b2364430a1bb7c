package io.kvcache.replica;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LeaseCounterTest {

  @Test
  void countsLiveLeasesAgainstABruteForceModelToTheSecond() {
    long ttl = 10_000;
    long now = 5_000_000;
    LeaseCounter counter = new LeaseCounter(ttl, now);
    long[] deadlines = new long[200];
    Random random = new Random(7);
    for (int step = 0; step < 20_000; step++) {
      now += random.nextInt(300);
      int object = random.nextInt(deadlines.length);
      if (random.nextInt(10) == 0) {
        counter.dropped(deadlines[object], now);
        deadlines[object] = 0;
      } else {
        long deadline = now + ttl;
        counter.granted(deadlines[object], deadline, now);
        deadlines[object] = deadline;
      }
      counter.advance(now);
      long live = 0;
      long liveOrExpiredThisSecond = 0;
      for (long d : deadlines) {
        live += d > now ? 1 : 0;
        liveOrExpiredThisSecond += d > 0 && d / 1000 >= now / 1000 ? 1 : 0;
      }
      long counted = counter.live();
      if (counted < live || counted > liveOrExpiredThisSecond) {
        throw new AssertionError("step " + step + ": counted " + counted + ", live " + live
            + ", live or expired within this second " + liveOrExpiredThisSecond);
      }
    }
    counter.advance(now + 2 * ttl + 2_000);
    assertEquals(0, counter.live(), "everything expires");
  }
}
