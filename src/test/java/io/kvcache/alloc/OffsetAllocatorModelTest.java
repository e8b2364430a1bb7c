package io.kvcache.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Random allocate/free sequences checked against a brute-force model of the segment: a sorted map of live regions. The
 * model derives the free gaps, and from them the largest request that can succeed (a gap serves requests up to its size
 * with all but its 4 leading significant bits cleared: the bin it is filed under). The allocator must agree on the largest
 * free region, the total free space, the free space that fits a request, success or failure of every request, and never
 * hand out overlapping regions.
 */
class OffsetAllocatorModelTest {
  @ParameterizedTest(name = "capacity {0}, sizes up to {1}, seed {2}")
  @CsvSource({
      "67121209, 65536, 1", // 64 MiB + 12345: not a bin size, 1-byte units
      "67121209, 8388608, 2",
      "68719476736, 268435456, 3", // 64 GiB: 32-byte units
  })
  void largestFreeRegionMatchesTheModelAfterEveryOperation(long capacity, long maxSize, long seed) {
    OffsetAllocator allocator = new OffsetAllocator(capacity, 256, 1 << 20);
    long unit = allocator.unitBytes();
    TreeMap<Long, Long> live = new TreeMap<>(); // offset -> reserved bytes
    List<Long> handles = new ArrayList<>();
    SplittableRandom random = new SplittableRandom(seed);
    for (int step = 0; step < 20_000; step++) {
      boolean allocate = handles.isEmpty() || random.nextInt(100) < 55;
      if (allocate) {
        long size = 1 + random.nextLong(random.nextBoolean() ? maxSize : maxSize / 64);
        long expectedLargest = modelLargestRequest(live, capacity / unit * unit, unit);
        long handle = allocator.allocate(size);
        assertEquals(size <= expectedLargest, handle >= 0, "step " + step + " size " + size);
        if (handle >= 0) {
          long offset = allocator.offsetOf(handle);
          long reserved = allocator.allocatedSizeOf(handle);
          assertTrue(reserved >= size && reserved <= size + size / 8 + 2 * unit, "reserved " + reserved + " for " + size);
          assertNoOverlap(live, offset, reserved, capacity);
          live.put(offset, reserved);
          handles.add(handle);
        }
      } else {
        long handle = handles.remove(random.nextInt(handles.size()));
        live.remove(allocator.offsetOf(handle));
        allocator.free(handle);
      }
      assertEquals(modelLargestRequest(live, capacity / unit * unit, unit), allocator.largestFreeRegion(), "step " + step);
      long reservedTotal = live.values().stream().mapToLong(Long::longValue).sum();
      assertEquals(capacity / unit * unit - reservedTotal, allocator.totalFreeSpace());
      long probe = 1 + random.nextLong(maxSize);
      assertEquals(modelFittingFreeSpace(live, capacity / unit * unit, unit, probe), allocator.fittingFreeSpace(probe),
          "step " + step + " probe " + probe);
    }
  }

  /** Largest request the gaps between live regions can serve, computed without the allocator's code. */
  private static long modelLargestRequest(TreeMap<Long, Long> live, long usableBytes, long unit) {
    long best = 0;
    long cursor = 0;
    for (Map.Entry<Long, Long> region : live.entrySet()) {
      best = Math.max(best, servable(region.getKey() - cursor, unit));
      cursor = region.getKey() + region.getValue();
    }
    return Math.max(best, servable(usableBytes - cursor, unit));
  }

  /** Bytes of the gaps that can serve {@code request}: gaps whose servable size reaches the request's rounded size. */
  private static long modelFittingFreeSpace(TreeMap<Long, Long> live, long usableBytes, long unit, long request) {
    long units = (request + unit - 1) / unit;
    long rounded = units;
    if (units >= 16) {
      int dropBits = 63 - Long.numberOfLeadingZeros(units) - 3;
      rounded = ((units + (1L << dropBits) - 1) >>> dropBits) << dropBits; // round up to 4 significant bits
    }
    long fitting = 0;
    long cursor = 0;
    for (Map.Entry<Long, Long> region : live.entrySet()) {
      long gap = region.getKey() - cursor;
      fitting += servable(gap, unit) >= rounded * unit ? gap / unit * unit : 0;
      cursor = region.getKey() + region.getValue();
    }
    long tail = usableBytes - cursor;
    return fitting + (servable(tail, unit) >= rounded * unit ? tail / unit * unit : 0);
  }

  private static long servable(long gapBytes, long unit) {
    long units = gapBytes / unit;
    if (units < 16) {
      return units * unit;
    }
    int dropBits = 63 - Long.numberOfLeadingZeros(units) - 3; // keep 4 significant bits
    return (units >>> dropBits << dropBits) * unit;
  }

  private static void assertNoOverlap(TreeMap<Long, Long> live, long offset, long size, long capacity) {
    assertTrue(offset >= 0 && offset + size <= capacity, "out of bounds: " + offset + "+" + size);
    Map.Entry<Long, Long> before = live.floorEntry(offset);
    assertTrue(before == null || before.getKey() + before.getValue() <= offset, "overlaps the region before");
    Map.Entry<Long, Long> after = live.ceilingEntry(offset);
    assertTrue(after == null || offset + size <= after.getKey(), "overlaps the region after");
  }
}
