package io.kvcache.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hot paths allocate no Java objects once warm: measured with the thread's allocated-bytes counter. */
class AllocationFreeLoopTest {
  /** Slack for the counter reads themselves; a single boxed long or iterator per call would show as megabytes. */
  private static final long ALLOWED_BYTES = 4096;
  private static final int ROUNDS = 200_000;

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  @Test
  void offsetAllocatorAllocateAndFreeAllocateNothing() {
    OffsetAllocator allocator = new OffsetAllocator(1L << 30);
    long[] handles = new long[256];
    allocatorLoop(allocator, handles); // warm-up: JIT, node arrays at their high-water mark
    long before = allocatedBytes();
    long checksum = allocatorLoop(allocator, handles);
    long after = allocatedBytes();
    assertTrue(checksum != 0);
    assertTrue(after - before < ALLOWED_BYTES, "allocated " + (after - before) + " bytes");
  }

  @Test
  void everyStrategyAllocatesNothingPerCall() {
    for (String name : AllocationStrategies.NAMES) {
      SegmentRegistry registry = new SegmentRegistry();
      for (int i = 0; i < 16; i++) {
        registry.mount("seg-" + i, "node-" + (i % 4), "ep-" + i, 256L << 20);
      }
      AllocationStrategy strategy = AllocationStrategies.create(name, 7);
      Placement placement = new Placement(3);
      List<String> preferred = List.of("seg-3");
      List<String> excluded = List.of("seg-5");
      strategyLoop(strategy, registry, placement, preferred, excluded);
      long before = allocatedBytes();
      strategyLoop(strategy, registry, placement, preferred, excluded);
      long after = allocatedBytes();
      assertTrue(after - before < ALLOWED_BYTES, name + " allocated " + (after - before) + " bytes");
      assertEquals(0, registry.allocatedBytes());
    }
  }

  private static long allocatorLoop(OffsetAllocator allocator, long[] handles) {
    long checksum = 0;
    for (int round = 0; round < ROUNDS; round++) {
      int slot = round & (handles.length - 1);
      if (handles[slot] != 0) {
        allocator.free(handles[slot] - 1);
      }
      long size = 4096 + (round * 7919L % (1 << 20));
      handles[slot] = allocator.allocate(size) + 1;
      checksum += handles[slot];
    }
    for (int slot = 0; slot < handles.length; slot++) {
      if (handles[slot] > 0) {
        allocator.free(handles[slot] - 1);
      }
      handles[slot] = 0;
    }
    return checksum;
  }

  private static void strategyLoop(AllocationStrategy strategy, SegmentRegistry registry, Placement placement,
      List<String> preferred, List<String> excluded) {
    for (int round = 0; round < ROUNDS / 4; round++) {
      long size = 64 * 1024 + (round % 97) * 4096L;
      int placed = strategy.allocate(registry, size, 3, preferred, excluded, placement);
      assertEquals(3, placed);
      placement.freeAll(size);
    }
  }

  private static long allocatedBytes() {
    return THREADS.getThreadAllocatedBytes(Thread.currentThread().threadId());
  }
}
