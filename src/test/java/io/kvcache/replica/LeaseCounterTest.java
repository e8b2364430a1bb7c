package io.kvcache.replica;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LeaseCounterTest {

  @Test
  void matchesAModelOfItsRuleAndStaysWithinASecondOfTheTrueCount() {
    long ttl = 10_000;
    long now = 5_000_000;
    LeaseCounter counter = new LeaseCounter(ttl, now);
    long[] deadlines = new long[200];
    List<Long> counted = new ArrayList<>(); // the deadlines the counter's buckets hold, by its rule
    Random random = new Random(7);
    for (int step = 0; step < 20_000; step++) {
      now += random.nextInt(300);
      int object = random.nextInt(deadlines.length);
      int action = random.nextInt(10);
      if (action == 0) { // the object goes away
        counter.dropped(deadlines[object], now);
        if (deadlines[object] > now) {
          counted.remove(deadlines[object]);
        }
        deadlines[object] = 0;
      } else if (action == 1) { // PutEnd: lease = max(old, now), which is not a counted lease
        deadlines[object] = Math.max(deadlines[object], now);
      } else {
        long deadline = now + ttl;
        counter.granted(deadlines[object], deadline, now);
        if (deadlines[object] > now) {
          counted.remove(deadlines[object]);
        }
        counted.add(deadline);
        deadlines[object] = deadline;
      }
      counter.advance(now);
      long nowSecond = now / 1000;
      counted.removeIf(d -> d / 1000 < nowSecond); // buckets of finished seconds are emptied
      assertEquals(counted.size(), counter.live(), "step " + step);
      long live = 0;
      for (long d : deadlines) {
        live += d > now ? 1 : 0;
      }
      assertTrue(counter.live() >= live, "never under-counts");
      long at = now;
      assertTrue(counter.live() - live <= counted.stream().filter(d -> d <= at).count(),
          "over-counts only leases that expired within the current second");
    }
    counter.advance(now + 2 * ttl + 2_000);
    assertEquals(0, counter.live(), "everything expires");
  }
}
