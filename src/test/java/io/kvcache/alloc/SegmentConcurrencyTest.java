package io.kvcache.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Several threads, each with its own strategy instance (as replica shards have), allocate and free on the same segments.
 * Every placement is checked against a shared map of live regions (no two live regions may overlap), and when all threads
 * have freed everything the accounting must be back to zero and every segment one coalesced free region.
 */
class SegmentConcurrencyTest {
  private static final int THREADS = 4;
  private static final int ROUNDS = 20_000;

  @Test
  void concurrentStrategiesKeepRegionsDisjointAndAccountingExact() throws Exception {
    SegmentRegistry registry = new SegmentRegistry();
    for (int i = 0; i < 6; i++) {
      registry.mount("seg-" + i, "node-" + i, "ep", 32L << 20);
    }
    Map<Segment, TreeMap<Long, Long>> liveRegions = new java.util.HashMap<>();
    for (Segment s : registry.snapshot()) {
      liveRegions.put(s, new TreeMap<>());
    }
    CountDownLatch start = new CountDownLatch(1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      String strategyName = AllocationStrategies.NAMES.get(t % AllocationStrategies.NAMES.size());
      long seed = t;
      workers.add(Thread.ofPlatform().start(() -> {
        try {
          start.await();
          churn(registry, AllocationStrategies.create(strategyName, seed), seed, liveRegions);
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        }
      }));
    }
    start.countDown();
    for (Thread worker : workers) {
      worker.join();
    }
    if (failure.get() != null) {
      throw new AssertionError("worker failed", failure.get());
    }
    assertEquals(0, registry.allocatedBytes());
    for (Segment segment : registry.snapshot()) {
      assertEquals(0, segment.allocatedBytes());
      assertEquals(0, segment.liveAllocations());
      assertEquals(segment.capacity(), segment.largestFreeRegion(), segment.name() + " did not coalesce");
      assertEquals(segment.capacity(), segment.totalFreeSpace());
    }
  }

  private static void churn(SegmentRegistry registry, AllocationStrategy strategy, long seed,
      Map<Segment, TreeMap<Long, Long>> liveRegions) {
    SplittableRandom random = new SplittableRandom(seed);
    Placement out = new Placement();
    List<long[]> mine = new ArrayList<>(); // {segment index, handle, offset, size, rounded}
    Segment[] segments = registry.snapshot();
    for (int round = 0; round < ROUNDS; round++) {
      if (!mine.isEmpty() && (random.nextInt(100) < 45 || mine.size() > 400)) {
        long[] victim = mine.remove(random.nextInt(mine.size()));
        Segment segment = segments[(int) victim[0]];
        TreeMap<Long, Long> regions = liveRegions.get(segment);
        synchronized (regions) {
          regions.remove(victim[2]); // before free: the region may be handed out again at once
        }
        segment.free(victim[1], victim[3]);
        continue;
      }
      long size = 1 + random.nextLong(random.nextBoolean() ? 4096 : 1 << 20);
      int placed = strategy.allocate(registry, size, 1 + random.nextInt(3), null, null, out);
      for (int i = 0; i < placed; i++) {
        Segment segment = out.segment(i);
        long rounded = segment.roundedSize(size);
        TreeMap<Long, Long> regions = liveRegions.get(segment);
        synchronized (regions) {
          Map.Entry<Long, Long> before = regions.floorEntry(out.offset(i));
          Map.Entry<Long, Long> after = regions.ceilingEntry(out.offset(i));
          assertTrue(before == null || before.getKey() + before.getValue() <= out.offset(i), "overlap before");
          assertTrue(after == null || out.offset(i) + rounded <= after.getKey(), "overlap after");
          regions.put(out.offset(i), rounded);
        }
        mine.add(new long[] {indexOf(segments, segment), out.handle(i), out.offset(i), size, rounded});
      }
    }
    for (long[] victim : mine) {
      Segment segment = segments[(int) victim[0]];
      synchronized (liveRegions.get(segment)) {
        liveRegions.get(segment).remove(victim[2]);
      }
      segment.free(victim[1], victim[3]);
    }
  }

  private static int indexOf(Segment[] segments, Segment segment) {
    for (int i = 0; i < segments.length; i++) {
      if (segments[i] == segment) {
        return i;
      }
    }
    throw new AssertionError("unknown segment " + segment);
  }
}
