package io.kvcache.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Random allocate/free sequences checked against {@link RegionModel} after every operation: the allocator (and a
 * Segment, through its lock-free snapshot) must agree on the largest free region, the total free space, the free space
 * that fits a request and success or failure of every request, and never hand out overlapping regions.
 */
class OffsetAllocatorModelTest {
  @ParameterizedTest(name = "capacity {0}, sizes up to {1}, seed {2}")
  @CsvSource({
      "67121209, 65536, 1", // 64 MiB + 12345: not a bin size, 1-byte units
      "67121209, 8388608, 2",
      "68719476736, 268435456, 3", // 64 GiB: 32-byte units
  })
  void allocatorMatchesTheModelAfterEveryOperation(long capacity, long maxSize, long seed) {
    OffsetAllocator allocator = new OffsetAllocator(capacity, 256, 1 << 20);
    RegionModel model = new RegionModel(capacity, allocator.unitBytes());
    List<Long> handles = new ArrayList<>();
    SplittableRandom random = new SplittableRandom(seed);
    for (int step = 0; step < 20_000; step++) {
      if (handles.isEmpty() || random.nextInt(100) < 55) {
        long size = 1 + random.nextLong(random.nextBoolean() ? maxSize : maxSize / 64);
        long expectedLargest = model.largestRequest();
        long handle = allocator.allocate(size);
        assertEquals(size <= expectedLargest, handle >= 0, "step " + step + " size " + size);
        if (handle >= 0) {
          long reserved = allocator.allocatedSizeOf(handle);
          long unit = allocator.unitBytes();
          assertTrue(reserved >= size && reserved <= size + size / 8 + 2 * unit, "reserved " + reserved + " for " + size);
          model.add(allocator.offsetOf(handle), reserved);
          handles.add(handle);
        }
      } else {
        long handle = handles.remove(random.nextInt(handles.size()));
        model.remove(allocator.offsetOf(handle));
        allocator.free(handle);
      }
      assertEquals(model.largestRequest(), allocator.largestFreeRegion(), "step " + step);
      assertEquals(model.freeBytes(), allocator.totalFreeSpace());
      long probe = 1 + random.nextLong(maxSize);
      assertEquals(model.fittingFreeSpace(probe), allocator.fittingFreeSpace(probe), "step " + step + " probe " + probe);
    }
  }

  @ParameterizedTest(name = "seed {0}")
  @CsvSource({"4", "5"})
  void segmentSnapshotMatchesTheModelAfterEveryOperation(long seed) {
    long capacity = 64L << 20;
    Segment segment = new Segment("s", "n", "ep", capacity);
    RegionModel model = new RegionModel(capacity, 1);
    List<long[]> live = new ArrayList<>(); // {handle, size, offset}
    SplittableRandom random = new SplittableRandom(seed);
    long[] sizes = {4096, 262_144, 658_432, 3_274_752};
    for (int step = 0; step < 20_000; step++) {
      if (live.isEmpty() || random.nextInt(100) < 52) {
        long size = sizes[random.nextInt(sizes.length)];
        long handle = segment.allocate(size);
        if (handle >= 0) {
          long offset = segment.offsetOf(handle);
          model.add(offset, segment.roundedSize(size));
          live.add(new long[] {handle, size, offset});
        }
      } else {
        long[] victim = live.remove(random.nextInt(live.size()));
        model.remove(victim[2]);
        segment.free(victim[0], victim[1]);
      }
      assertEquals(model.largestRequest(), segment.largestFreeRegion(), "step " + step);
      assertEquals(model.freeBytes(), segment.totalFreeSpace());
      for (long probe : sizes) {
        assertEquals(model.fittingFreeSpace(probe), segment.fittingFreeSpace(probe), "step " + step + " probe " + probe);
      }
    }
  }
}
