package io.kvcache.alloc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SegmentRegistryTest {
  private static final long MiB = 1024 * 1024;
  private final SegmentRegistry registry = new SegmentRegistry();

  @Test
  void mountIsIdempotentForTheSameNodeAndCapacity() {
    Segment first = registry.mount("a", "node1", "ep1", 64 * MiB);
    assertSame(first, registry.mount("a", "node1", "ep1", 64 * MiB));
    assertEquals(1, registry.size());
    assertEquals(64 * MiB, registry.capacityBytes());
  }

  @Test
  void conflictingOrEmptyMountsAreRejected() {
    registry.mount("a", "node1", "ep1", 64 * MiB);
    assertThrows(IllegalArgumentException.class, () -> registry.mount("a", "node2", "ep1", 64 * MiB));
    assertThrows(IllegalArgumentException.class, () -> registry.mount("a", "node1", "ep1", 32 * MiB));
    assertThrows(IllegalArgumentException.class, () -> registry.mount("b", "node1", "ep1", 0));
    assertThrows(IllegalArgumentException.class, () -> registry.mount("", "node1", "ep1", MiB));
    assertThrows(IllegalArgumentException.class, () -> registry.mount("c", null, "ep1", MiB));
    assertEquals(1, registry.size());
    assertEquals(64 * MiB, registry.capacityBytes());
  }

  @Test
  void snapshotKeepsMountOrderAcrossUnmounts() {
    Segment a = registry.mount("a", "n1", "ep", MiB);
    Segment b = registry.mount("b", "n2", "ep", MiB);
    Segment c = registry.mount("c", "n1", "ep", MiB);
    assertArrayEquals(new Segment[] {a, b, c}, registry.snapshot());
    assertSame(b, registry.unmount("b"));
    assertArrayEquals(new Segment[] {a, c}, registry.snapshot());
    assertNull(registry.unmount("b"));
    assertNull(registry.byName("b"));
    assertSame(c, registry.byName("c"));
  }

  @Test
  void unmountInvalidatesReplicasAndTakesTheSegmentOutOfTheTotals() {
    Segment a = registry.mount("a", "n1", "ep", 64 * MiB);
    registry.mount("b", "n2", "ep", 64 * MiB);
    long handle = a.allocate(1000);
    assertEquals(1000, registry.allocatedBytes());
    registry.unmount("a");
    assertEquals(Segment.Status.UNMOUNTED, a.status());
    assertFalse(a.isMounted());
    assertEquals(0, registry.allocatedBytes());
    assertEquals(64 * MiB, registry.capacityBytes());
    a.free(handle, 1000); // a replica dropped after the unmount: no-op, no double count
    assertEquals(0, registry.allocatedBytes());
    assertEquals(OffsetAllocator.NO_SPACE, a.allocate(1000));
    assertThrows(IllegalStateException.class, () -> a.offsetOf(handle));
  }

  @Test
  void unmountNodeTakesAllItsSegments() {
    registry.mount("a", "n1", "ep", MiB);
    registry.mount("b", "n2", "ep", MiB);
    registry.mount("c", "n1", "ep", MiB);
    List<Segment> gone = registry.unmountNode("n1");
    assertEquals(List.of("a", "c"), gone.stream().map(Segment::name).toList());
    assertEquals(1, registry.size());
    assertEquals(MiB, registry.capacityBytes());
  }

  @Test
  void drainingKeepsDataReadableAndFreeableButTakesNoAllocations() {
    Segment a = registry.mount("a", "n1", "ep", 64 * MiB);
    long handle = a.allocate(4096);
    assertTrue(registry.setDraining("a"));
    assertFalse(registry.setDraining("missing"));
    assertFalse(a.isAllocatable());
    assertTrue(a.isMounted());
    assertEquals(OffsetAllocator.NO_SPACE, a.allocate(4096));
    assertEquals(0, a.offsetOf(handle));
    assertThrows(IllegalStateException.class, () -> registry.mount("a", "n1", "ep", 64 * MiB));
    a.free(handle, 4096);
    assertEquals(0, registry.allocatedBytes());
  }

  @Test
  void segmentCountsRequestedBytesAndPublishesItsFreeSpace() {
    Segment a = registry.mount("a", "n1", "ep", 64 * MiB);
    long handle = a.allocate(1000); // reserves 1024
    assertEquals(1000, a.allocatedBytes());
    assertEquals(1 - 1000.0 / (64 * MiB), a.freeRatio());
    assertEquals(64 * MiB - 1024, a.totalFreeSpace());
    assertEquals(1024, a.roundedSize(1000));
    assertEquals(1, a.liveAllocations());
    a.free(handle, 1000);
    assertEquals(64 * MiB, a.largestFreeRegion());
    assertEquals(1.0, a.freeRatio());
  }

  @Test
  void fittingFreeSpaceCountsOnlyRegionsThatCanHoldTheRequest() {
    Segment a = registry.mount("a", "n1", "ep", 64 * MiB);
    long first = a.allocate(16 * MiB);
    a.allocate(16 * MiB);
    a.free(first, 16 * MiB); // free: [0, 16 MiB) and [32 MiB, 64 MiB)
    assertEquals(48 * MiB, a.fittingFreeSpace(MiB));
    assertEquals(48 * MiB, a.fittingFreeSpace(16 * MiB));
    assertEquals(32 * MiB, a.fittingFreeSpace(16 * MiB + 1));
    assertEquals(0, a.fittingFreeSpace(32 * MiB + 1));
    registry.setDraining("a");
    assertEquals(0, a.fittingFreeSpace(MiB));
  }
}
