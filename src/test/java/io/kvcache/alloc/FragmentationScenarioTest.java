package io.kvcache.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The seed's deterministic scenario. Four "shredded" segments have the highest free ratio (50 %) but only 4 MiB holes; one
 * "contiguous" segment is fuller (62.5 % used) yet holds a 24 MiB region. A 16 MiB request: free_ratio_first tries the
 * shredded segments first and fails on each before it lands; fragmentation_aware never tries them.
 */
class FragmentationScenarioTest {
  private static final long MiB = 1024 * 1024;
  private static final long SEED = 20_240_601L;
  private static final long REQUEST = 16 * MiB;

  private static SegmentRegistry fragmentedCluster() {
    SegmentRegistry registry = new SegmentRegistry();
    for (int s = 0; s < 4; s++) {
      Segment shredded = registry.mount("shredded-" + s, "node-" + s, "ep", 64 * MiB);
      long[] blocks = new long[16];
      for (int b = 0; b < blocks.length; b++) {
        blocks[b] = shredded.allocate(4 * MiB);
      }
      for (int b = 0; b < blocks.length; b += 2) {
        shredded.free(blocks[b], 4 * MiB); // every other block: 32 MiB free, no two holes adjacent
      }
      assertEquals(0.5, shredded.freeRatio());
      assertEquals(4 * MiB, shredded.largestFreeRegion());
    }
    Segment contiguous = registry.mount("contiguous", "node-c", "ep", 64 * MiB);
    contiguous.allocate(40 * MiB);
    assertEquals(24 * MiB, contiguous.largestFreeRegion());
    assertTrue(contiguous.freeRatio() < 0.5);
    return registry;
  }

  @ParameterizedTest(name = "{0}: {1} failed attempts")
  @CsvSource({"free_ratio_first, 4", "fragmentation_aware, 0"})
  void onlyFragmentationAwarePlacesTheRequestFirstTime(String strategyName, long expectedFailedAttempts) {
    SegmentRegistry registry = fragmentedCluster();
    AllocationStrategy strategy = AllocationStrategies.create(strategyName, SEED);
    Placement out = new Placement();
    assertEquals(1, strategy.allocate(registry, REQUEST, 1, null, null, out));
    assertEquals("contiguous", out.segment(0).name());
    assertEquals(expectedFailedAttempts, strategy.failedAttempts());
  }

  @Test
  void fragmentationAwareTriesNothingWhenNoRegionCanHoldTheRequest() {
    SegmentRegistry registry = fragmentedCluster();
    AllocationStrategy strategy = AllocationStrategies.create("fragmentation_aware", SEED);
    Placement out = new Placement();
    assertEquals(AllocationStrategy.NO_AVAILABLE_HANDLE, strategy.allocate(registry, 32 * MiB, 1, null, null, out));
    assertEquals(0, strategy.failedAttempts());
    AllocationStrategy freeRatioFirst = AllocationStrategies.create("free_ratio_first", SEED);
    assertEquals(AllocationStrategy.NO_AVAILABLE_HANDLE, freeRatioFirst.allocate(registry, 32 * MiB, 1, null, null, out));
    assertTrue(freeRatioFirst.failedAttempts() >= 5, "tried every segment, some twice: " + freeRatioFirst.failedAttempts());
  }

  /**
   * Both segments can hold the request, so nobody fails an attempt; the difference is where it lands. "holey" has the
   * higher free ratio (50 %) but its free space is 1 MiB holes plus one 8 MiB region; "solid" has 40 % free in one
   * piece. free_ratio_first spends holey's only large region; fragmentation_aware ranks by the space a 4 MiB request can
   * use (8 MiB there, 25.6 MiB in solid) and keeps holey's region for the next large object.
   */
  @ParameterizedTest(name = "{0} lands on {1}")
  @CsvSource({"free_ratio_first, holey", "fragmentation_aware, solid"})
  void fittingFreeSpaceDecidesWhereALargeRequestLands(String strategyName, String expectedSegment) {
    SegmentRegistry registry = new SegmentRegistry();
    Segment holey = registry.mount("holey", "n1", "ep", 64 * MiB);
    long[] blocks = new long[56];
    for (int b = 0; b < blocks.length; b++) {
      blocks[b] = holey.allocate(MiB);
    }
    for (int b = 0; b < 48; b += 2) {
      holey.free(blocks[b], MiB); // 24 separate 1 MiB holes; the tail [56 MiB, 64 MiB) is the one 8 MiB region
    }
    Segment solid = registry.mount("solid", "n2", "ep", 64 * MiB);
    solid.allocate(64 * MiB * 6 / 10);
    assertTrue(holey.freeRatio() > solid.freeRatio());
    assertEquals(8 * MiB, holey.fittingFreeSpace(4 * MiB));
    assertEquals(solid.totalFreeSpace(), solid.fittingFreeSpace(4 * MiB));

    AllocationStrategy strategy = AllocationStrategies.create(strategyName, SEED);
    Placement out = new Placement();
    assertEquals(1, strategy.allocate(registry, 4 * MiB, 1, null, null, out));
    assertEquals(expectedSegment, out.segment(0).name());
    assertEquals(0, strategy.failedAttempts());
  }
}
