package io.kvcache.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Behaviours 40–44 of the reference (checklist §10) and its offset_allocator_test cases, on the Java allocator. */
class OffsetAllocatorTest {
  private static final long KiB = 1024;
  private static final long MiB = 1024 * KiB;
  private static final long GiB = 1024 * MiB;
  private static final long NO_SPACE = OffsetAllocator.NO_SPACE;

  @Test
  void wholeCapacityAllocatesAtOffsetZeroAndAgainAfterFree() {
    OffsetAllocator allocator = new OffsetAllocator(GiB, 1000, 1000);
    long whole = allocator.allocate(GiB);
    assertTrue(whole >= 0);
    assertEquals(0, allocator.offsetOf(whole));
    assertEquals(GiB, allocator.allocatedSizeOf(whole));
    assertEquals(NO_SPACE, allocator.allocate(GiB));
    assertEquals(NO_SPACE, allocator.allocate(1));
    assertEquals(0, allocator.largestFreeRegion());
    assertEquals(GiB, allocator.free(whole));
    assertEquals(0, allocator.offsetOf(allocator.allocate(GiB)));
  }

  @Test
  void fullSizeAllocationNeedsACapacityThatIsABinSize() {
    OffsetAllocator allocator = new OffsetAllocator(1000, 100, 100); // free node 1000 sits in bin 960
    assertEquals(960, allocator.largestFreeRegion());
    assertEquals(1000, allocator.totalFreeSpace());
    assertEquals(NO_SPACE, allocator.allocate(961)); // rounds up to 1024
    long handle = allocator.allocate(960);
    assertEquals(960, allocator.allocatedSizeOf(handle));
    assertEquals(40, allocator.largestFreeRegion()); // the remainder, a right neighbour
  }

  @Test
  void requestsRoundUpToTheirBinAndTheRemainderFollowsAsAFreeNeighbour() {
    OffsetAllocator allocator = new OffsetAllocator(MiB, 1000, 1000);
    long first = allocator.allocate(1000);
    assertEquals(1024, allocator.allocatedSizeOf(first));
    assertEquals(1024, allocator.roundedSize(1000));
    long second = allocator.allocate(17);
    assertEquals(1024, allocator.offsetOf(second));
    assertEquals(18, allocator.allocatedSizeOf(second));
    assertEquals(3_407_872, allocator.roundedSize(3_274_752));
    assertEquals(720_896, allocator.roundedSize(658_432));
    assertEquals(7, allocator.roundedSize(7)); // sizes below 8 units are exact
    assertEquals(MiB - 1024 - 18, allocator.totalFreeSpace());
  }

  @Test
  void aFreedNodeReturnsToItsBinSoTheSameSizeFitsAgain() {
    OffsetAllocator allocator = new OffsetAllocator(2048, 1000, 1000);
    long big = allocator.allocate(1023);
    long small = allocator.allocate(16);
    assertTrue(small >= 0);
    allocator.free(big);
    long again = allocator.allocate(1023);
    assertEquals(0, allocator.offsetOf(again));
  }

  @Test
  void zeroOrNegativeSizeIsRejectedAndOversizeFails() {
    OffsetAllocator allocator = new OffsetAllocator(MiB, 1000, 1000);
    assertThrows(IllegalArgumentException.class, () -> allocator.allocate(0));
    assertThrows(IllegalArgumentException.class, () -> allocator.allocate(-5));
    assertEquals(NO_SPACE, allocator.allocate(MiB + 1));
    assertEquals(NO_SPACE, allocator.allocate(Long.MAX_VALUE));
    assertThrows(IllegalArgumentException.class, () -> new OffsetAllocator(0));
  }

  @Test
  void freeReturnsTheMergedRegionSize() {
    OffsetAllocator allocator = new OffsetAllocator(1024, 8, 8);
    long first = allocator.allocate(128);
    long second = allocator.allocate(128);
    long third = allocator.allocate(128);
    assertEquals(128, allocator.free(first));
    assertEquals(1024 - 2 * 128, allocator.free(third)); // merged with the trailing free region
    assertEquals(1024, allocator.free(second)); // merged with both neighbours
    assertEquals(1024, allocator.largestFreeRegion());
  }

  @Test
  void freeReturnsZeroWhenNodeMetadataIsExhausted() {
    OffsetAllocator allocator = new OffsetAllocator(384, 3, 3);
    long first = allocator.allocate(128);
    assertTrue(allocator.allocate(128) >= 0);
    assertEquals(0, allocator.free(first)); // no neighbour to merge: all 3 nodes still in use
    assertEquals(0, allocator.largestFreeRegion()); // and nothing can be allocated
    assertEquals(256, allocator.totalFreeSpace());
  }

  @Test
  void maxNodesAdmitsOneFewerLiveAllocations() {
    OffsetAllocator allocator = new OffsetAllocator(GiB, 16, 1000); // also grows the node arrays from 16
    List<Long> handles = new ArrayList<>();
    for (int i = 0; i < 999; i++) {
      long handle = allocator.allocate(1024);
      assertTrue(handle >= 0, "allocation " + i);
      handles.add(handle);
    }
    assertEquals(NO_SPACE, allocator.allocate(1024));
    assertEquals(999, allocator.liveAllocations());
    allocator.free(handles.removeLast());
    assertTrue(allocator.allocate(1024) >= 0);
  }

  @Test
  void freeingNeighboursCoalescesBackToOneRegion() {
    OffsetAllocator allocator = new OffsetAllocator(MiB, 1000, 1000);
    long a = allocator.allocate(1024);
    long b = allocator.allocate(1024);
    long c = allocator.allocate(1024);
    assertEquals(1024, allocator.free(b));
    assertEquals(2048, allocator.free(a)); // merged with b on its right
    assertEquals(MiB, allocator.free(c)); // merged with [a b] and the trailing region
    assertEquals(MiB, allocator.largestFreeRegion());
    assertEquals(MiB, allocator.totalFreeSpace());
    assertEquals(1, allocator.usedNodes());
    assertEquals(0, allocator.offsetOf(allocator.allocate(MiB)));
  }

  @Test
  void staleAndForeignHandlesAreRejected() {
    OffsetAllocator allocator = new OffsetAllocator(MiB, 1000, 1000);
    long handle = allocator.allocate(4096);
    allocator.free(handle);
    assertThrows(IllegalArgumentException.class, () -> allocator.free(handle));
    long reused = allocator.allocate(4096); // same node, next generation
    assertNotEquals(handle, reused);
    assertThrows(IllegalArgumentException.class, () -> allocator.offsetOf(handle));
    assertThrows(IllegalArgumentException.class, () -> allocator.free(12345));
    assertThrows(IllegalArgumentException.class, () -> allocator.free(-1));
    assertEquals(0, allocator.offsetOf(reused));
  }

  @Test
  void segmentsAbove375GiBUseAPowerOfTwoUnit() {
    assertEquals(1, new OffsetAllocator(3840 * MiB).unitBytes());
    assertEquals(2, new OffsetAllocator(4 * GiB).unitBytes());
    assertEquals(32, new OffsetAllocator(64 * GiB).unitBytes());
    assertEquals(512, new OffsetAllocator(1024 * GiB).unitBytes());
    OffsetAllocator allocator = new OffsetAllocator(64 * GiB, 1024, 1024);
    long one = allocator.allocate(1);
    assertEquals(32, allocator.allocatedSizeOf(one));
    long next = allocator.allocate(33);
    assertEquals(32, allocator.offsetOf(next));
    assertEquals(64, allocator.allocatedSizeOf(next));
  }

  @Test
  void powerOfTwoSegmentsFromOneGiBToOneTiBOfferTheirWholeCapacity() {
    for (long capacity = GiB; capacity <= 1024 * GiB; capacity *= 2) {
      OffsetAllocator allocator = new OffsetAllocator(capacity, 64, 10_000);
      assertEquals(capacity, allocator.largestFreeRegion(), "capacity " + capacity);
      allocator.free(allocator.allocate(1));
      allocator.free(allocator.allocate(capacity - 1));
      long whole = allocator.allocate(capacity);
      assertEquals(capacity, allocator.allocatedSizeOf(whole));
    }
  }

  @Test
  void uniformKvPagesSaturateAtTheBinRoundUpRatio() {
    long capacity = 1024 * GiB; // the DSA benchmark's 1 TiB segment
    long page = 3_274_752;
    OffsetAllocator allocator = new OffsetAllocator(capacity);
    long requested = 0;
    while (allocator.allocate(page) >= 0) {
      requested += page;
    }
    double utilisation = (double) requested / capacity;
    assertEquals(0.960935, utilisation, 5e-7);
    assertEquals(capacity / 3_407_872, allocator.liveAllocations());
  }

  @Test
  void largestFreeRegionIsCapacityWhenEmptyAndExactAfterAnAllocation() {
    OffsetAllocator allocator = new OffsetAllocator(16 * MiB);
    assertEquals(16 * MiB, allocator.largestFreeRegion());
    long half = allocator.allocate(8 * MiB);
    assertEquals(8 * MiB, allocator.largestFreeRegion());
    assertEquals(NO_SPACE, allocator.allocate(8 * MiB + 1));
    allocator.free(half);
    assertEquals(16 * MiB, allocator.largestFreeRegion());
  }
}
