package io.kvcache.alloc;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/** Rebuilding an allocator from the regions another allocator handed out (a promoted standby). */
class OffsetAllocatorRestoreTest {
  private static final long CAPACITY = 64L << 20;

  @Test
  void aRebuiltAllocatorHoldsExactlyTheRegionsAndBehavesLikeTheOriginal() {
    Random random = new Random(7);
    OffsetAllocator original = new OffsetAllocator(CAPACITY);
    TreeMap<Long, Long> live = new TreeMap<>(); // offset -> requested size
    List<Long> handles = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      if (!handles.isEmpty() && random.nextInt(3) == 0) {
        long h = handles.remove(random.nextInt(handles.size()));
        live.remove(original.offsetOf(h));
        original.free(h);
      } else {
        long size = 1 + random.nextInt(200_000);
        long h = original.allocate(size);
        if (h != OffsetAllocator.NO_SPACE) {
          handles.add(h);
          live.put(original.offsetOf(h), size);
        }
      }
    }
    OffsetAllocator rebuilt = new OffsetAllocator(CAPACITY);
    List<Long> rebuiltHandles = new ArrayList<>();
    live.forEach((offset, size) -> {
      long h = rebuilt.reserveAt(offset, size);
      assertNotEquals(OffsetAllocator.NO_SPACE, h, "region at " + offset);
      assertEquals(offset, rebuilt.offsetOf(h));
      assertEquals(original.roundedSize(size), rebuilt.allocatedSizeOf(h));
      rebuiltHandles.add(h);
    });
    assertEquals(original.liveAllocations(), rebuilt.liveAllocations());
    assertEquals(original.totalFreeSpace(), rebuilt.totalFreeSpace());
    assertEquals(original.largestFreeRegion(), rebuilt.largestFreeRegion());
    // New allocations never land on a restored region; freeing everything gives the whole segment back.
    List<Long> fresh = new ArrayList<>();
    for (long h; (h = rebuilt.allocate(100_000)) != OffsetAllocator.NO_SPACE; ) {
      long at = rebuilt.offsetOf(h);
      var before = live.floorEntry(at);
      assertTrue(before == null || before.getKey() + original.roundedSize(before.getValue()) <= at, "overlap at " + at);
      var after = live.ceilingEntry(at);
      assertTrue(after == null || at + rebuilt.allocatedSizeOf(h) <= after.getKey(), "overlap at " + at);
      fresh.add(h);
    }
    fresh.forEach(rebuilt::free);
    rebuiltHandles.forEach(rebuilt::free);
    assertEquals(CAPACITY, rebuilt.totalFreeSpace());
    assertEquals(CAPACITY, rebuilt.largestFreeRegion());
  }

  @Test
  void misalignedOverlappingOrOutOfRangeRegionsAreRefusedAndChangeNothing() {
    OffsetAllocator a = new OffsetAllocator(CAPACITY);
    long h = a.reserveAt(4096, 1000);
    assertNotEquals(OffsetAllocator.NO_SPACE, h);
    long free = a.totalFreeSpace();
    assertEquals(OffsetAllocator.NO_SPACE, a.reserveAt(4096, 10), "overlaps the previous region");
    assertEquals(OffsetAllocator.NO_SPACE, a.reserveAt(0, 10), "below the previous region");
    assertEquals(OffsetAllocator.NO_SPACE, a.reserveAt(CAPACITY - 10, 1000), "runs past the end");
    assertEquals(OffsetAllocator.NO_SPACE, a.reserveAt(Long.MAX_VALUE - 5, 1000), "overflowing offset");
    assertEquals(OffsetAllocator.NO_SPACE, a.reserveAt(-1, 10));
    assertEquals(free, a.totalFreeSpace());
    OffsetAllocator big = new OffsetAllocator(8L << 30); // 2-byte units
    assertEquals(OffsetAllocator.NO_SPACE, big.reserveAt(3, 100), "not on a unit boundary");
  }

  @Test
  void reservingAfterAllocationStartedIsAnError() {
    OffsetAllocator a = new OffsetAllocator(CAPACITY);
    a.allocate(100);
    assertThrows(IllegalStateException.class, () -> a.reserveAt(1 << 20, 100));
  }
}
