package io.kvcache.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The reference's allocation_strategy_test, run for every strategy. Segments are 64 MiB unless a test says otherwise. */
class AllocationStrategyContractTest {
  private static final long MiB = 1024 * 1024;
  private static final int NO_HANDLE = AllocationStrategy.NO_AVAILABLE_HANDLE;
  private static final List<String> STRATEGIES = AllocationStrategies.NAMES;

  static List<String> strategies() {
    return STRATEGIES;
  }

  private final SegmentRegistry registry = new SegmentRegistry();
  private final Placement out = new Placement();

  private void mount(String... names) {
    for (String name : names) {
      registry.mount(name, "node-" + name, name + ":1234", 64 * MiB);
    }
  }

  private static int allocate(AllocationStrategy strategy, SegmentRegistry registry, long size, int replicas,
      List<String> preferred, List<String> excluded, Placement out) {
    return strategy.allocate(registry, size, replicas, preferred, excluded, out);
  }

  private Set<String> placedNames() {
    Set<String> names = new HashSet<>();
    for (int i = 0; i < out.count(); i++) {
      names.add(out.segment(i).name());
    }
    assertEquals(out.count(), names.size(), "replicas must be on distinct segments");
    return names;
  }

  @ParameterizedTest
  @MethodSource("strategies")
  void emptyRegistryHasNoHandle(String name) {
    AllocationStrategy strategy = AllocationStrategies.create(name, 1);
    assertEquals(NO_HANDLE, allocate(strategy, registry, 100, 1, List.of(), List.of(), out));
    assertEquals(NO_HANDLE, allocate(strategy, registry, 100, 1, List.of("preferred"), List.of(), out));
    assertEquals(0, out.count());
  }

  @ParameterizedTest
  @MethodSource("strategies")
  void preferredSegmentIsUsedWhenItHasRoom(String name) {
    mount("segment1", "preferred");
    assertEquals(1, allocate(AllocationStrategies.create(name, 1), registry, 1024, 1, List.of("preferred"), null, out));
    assertEquals("preferred", out.segment(0).name());
    assertEquals("preferred:1234", out.segment(0).endpoint());
    assertEquals(out.segment(0).offsetOf(out.handle(0)), out.offset(0));
  }

  @ParameterizedTest
  @MethodSource("strategies")
  void unknownPreferredSegmentFallsBackToTheOthers(String name) {
    mount("segment1", "segment2");
    assertEquals(1, allocate(AllocationStrategies.create(name, 1), registry, 1024, 1, List.of("nonexistent"), null, out));
    assertTrue(Set.of("segment1", "segment2").containsAll(placedNames()));
  }

  @ParameterizedTest
  @MethodSource("strategies")
  void multipleReplicasLandOnDistinctSegments(String name) {
    mount("segment1", "segment2", "segment3");
    assertEquals(3, allocate(AllocationStrategies.create(name, 1), registry, 1024, 3, List.of(), List.of(), out));
    assertEquals(Set.of("segment1", "segment2", "segment3"), placedNames());
    assertEquals(3 * 1024, registry.allocatedBytes());
  }

  @ParameterizedTest
  @MethodSource("strategies")
  void fullPreferredSegmentFallsBackToAnother(String name) {
    mount("segment1", "preferred");
    AllocationStrategy strategy = AllocationStrategies.create(name, 1);
    for (int i = 0; i < 4; i++) {
      assertEquals(1, allocate(strategy, registry, 15 * MiB, 1, List.of("preferred"), null, out));
      assertEquals("preferred", out.segment(0).name());
    }
    assertEquals(1, allocate(strategy, registry, 5 * MiB, 1, List.of("preferred"), null, out));
    assertEquals("segment1", out.segment(0).name());
  }

  @ParameterizedTest
  @MethodSource("strategies")
  void allSegmentsFullHasNoHandle(String name) {
    mount("segment1", "segment2");
    AllocationStrategy strategy = AllocationStrategies.create(name, 1);
    for (int i = 0; i < 8; i++) {
      assertEquals(1, allocate(strategy, registry, 15 * MiB, 1, null, null, out));
    }
    assertEquals(NO_HANDLE, allocate(strategy, registry, 5 * MiB, 1, null, null, out));
    assertEquals(NO_HANDLE, allocate(strategy, registry, 100 * MiB, 1, null, null, out)); // larger than any segment
  }

  @ParameterizedTest
  @MethodSource("strategies")
  void zeroOrNegativeSizeOrReplicasAreInvalidAndAllocateNothing(String name) {
    mount("segment1");
    AllocationStrategy strategy = AllocationStrategies.create(name, 1);
    int invalid = AllocationStrategy.INVALID_PARAMS;
    assertEquals(invalid, allocate(strategy, registry, 0, 1, null, null, out));
    assertEquals(invalid, allocate(strategy, registry, -1, 1, null, null, out));
    assertEquals(invalid, allocate(strategy, registry, 1024, 0, null, null, out));
    assertEquals(invalid, allocate(strategy, registry, 1024, -3, null, null, out));
    assertEquals(0, out.count());
    assertEquals(0, registry.allocatedBytes());
  }

  @ParameterizedTest
  @MethodSource("strategies")
  void fewerSegmentsThanReplicasIsBestEffort(String name) {
    mount("segment1", "segment2");
    assertEquals(2, allocate(AllocationStrategies.create(name, 1), registry, 1024, 5, null, null, out));
    assertEquals(Set.of("segment1", "segment2"), placedNames());
  }

  @ParameterizedTest
  @MethodSource("strategies")
  void multiplePreferredSegmentsAreUsedInOrder(String name) {
    mount("segment1", "preferred1", "preferred2", "segment4");
    AllocationStrategy strategy = AllocationStrategies.create(name, 1);
    assertEquals(2, allocate(strategy, registry, 1024, 2, List.of("preferred1", "preferred2"), null, out));
    assertEquals("preferred1", out.segment(0).name());
    assertEquals("preferred2", out.segment(1).name());
  }

  @ParameterizedTest
  @MethodSource("strategies")
  void excludedSegmentsAreNeverUsed(String name) {
    mount("segment1", "segment2", "segment3", "segment4");
    AllocationStrategy strategy = AllocationStrategies.create(name, 1);
    assertEquals(2, allocate(strategy, registry, 1024, 3, null, List.of("segment1", "segment3"), out));
    assertEquals(Set.of("segment2", "segment4"), placedNames());
    assertEquals(NO_HANDLE,
        allocate(strategy, registry, 1024, 1, null, List.of("segment1", "segment2", "segment3", "segment4"), out));
  }

  @ParameterizedTest
  @MethodSource("strategies")
  void preferredAndExcludedCombine(String name) {
    mount("segment1", "preferred", "segment3", "segment4");
    AllocationStrategy strategy = AllocationStrategies.create(name, 1);
    assertEquals(3, allocate(strategy, registry, 1024, 3, List.of("preferred"), List.of("segment1"), out));
    assertEquals("preferred", out.segment(0).name());
    assertFalse(placedNames().contains("segment1"));
  }

  @ParameterizedTest
  @MethodSource("strategies")
  void exclusionWinsOverPreference(String name) {
    mount("segment1", "segment2", "segment3");
    AllocationStrategy strategy = AllocationStrategies.create(name, 1);
    assertEquals(2, allocate(strategy, registry, 1024, 3, List.of("segment1"), List.of("segment1"), out));
    assertEquals(Set.of("segment2", "segment3"), placedNames());
  }

  @ParameterizedTest
  @MethodSource("strategies")
  void drainingAndUnmountedSegmentsTakeNoNewReplicas(String name) {
    mount("segment1", "segment2", "segment3");
    registry.setDraining("segment1");
    Segment gone = registry.unmount("segment2");
    AllocationStrategy strategy = AllocationStrategies.create(name, 1);
    assertEquals(1, allocate(strategy, registry, 1024, 3, List.of("segment1", "segment2"), null, out));
    assertEquals(Set.of("segment3"), placedNames());
    assertEquals(OffsetAllocator.NO_SPACE, gone.allocate(1024));
  }

  @ParameterizedTest
  @MethodSource("strategies")
  void aSeedReproducesThePlacements(String name) {
    for (int i = 0; i < 20; i++) {
      registry.mount("segment" + i, "node" + i, "ep", 64 * MiB);
    }
    assertEquals(placements(name, 42), placements(name, 42));
    assertNotEquals(placements(name, 42), placements(name, 43)); // different seeds walk differently
  }

  private List<String> placements(String name, long seed) {
    AllocationStrategy strategy = AllocationStrategies.create(name, seed);
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      strategy.allocate(registry, 4096, 2, null, null, out);
      names.add(out.segment(0).name() + "+" + out.segment(1).name());
      out.freeAll(4096);
    }
    return names;
  }

  @Test
  void freeRatioFirstBalancesUtilisationAcrossSegmentSizes() {
    long[] capacities = {32 * MiB, 64 * MiB, 128 * MiB};
    for (int i = 0; i < capacities.length; i++) {
      registry.mount(i + "-segment", "node" + i, "ep", capacities[i]);
    }
    AllocationStrategy strategy = AllocationStrategies.create("free_ratio_first", 1);
    for (int i = 0; i < 3000; i++) {
      assertEquals(1, strategy.allocate(registry, 64 * 1024, 1, null, null, out));
    }
    double min = 1;
    double max = 0;
    for (Segment segment : registry.snapshot()) {
      double used = 1 - segment.freeRatio();
      min = Math.min(min, used);
      max = Math.max(max, used);
    }
    assertTrue(max - min < 0.15, "utilisation spread " + (max - min));
  }

  @Test
  void unknownStrategyNameListsTheValidOnes() {
    IllegalArgumentException error =
        assertThrows(IllegalArgumentException.class, () -> AllocationStrategies.create("best_fit", 1));
    assertTrue(error.getMessage().contains("random, free_ratio_first, fragmentation_aware"), error.getMessage());
    assertThrows(IllegalArgumentException.class, () -> AllocationStrategies.create(null, 1));
    for (String name : STRATEGIES) {
      assertEquals(name, AllocationStrategies.create(name, 1).name());
    }
  }
}
