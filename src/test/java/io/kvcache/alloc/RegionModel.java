package io.kvcache.alloc;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.TreeMap;

/**
 * Brute-force model of one segment for tests: the live regions in a sorted map. It derives the free gaps, the largest
 * request they can serve (a gap serves requests up to its size with all but its 4 leading significant bits cleared: the
 * bin it is filed under) and the free space that fits a request, without the allocator's code.
 */
final class RegionModel {
  private final TreeMap<Long, Long> live = new TreeMap<>(); // offset -> reserved bytes
  private final long usableBytes;
  private final long unit;

  RegionModel(long capacityBytes, long unitBytes) {
    this.unit = unitBytes;
    this.usableBytes = capacityBytes / unitBytes * unitBytes;
  }

  void add(long offset, long reservedBytes) {
    assertTrue(offset >= 0 && offset + reservedBytes <= usableBytes, "out of bounds: " + offset + "+" + reservedBytes);
    Map.Entry<Long, Long> before = live.floorEntry(offset);
    assertTrue(before == null || before.getKey() + before.getValue() <= offset, "overlaps the region before");
    Map.Entry<Long, Long> after = live.ceilingEntry(offset);
    assertTrue(after == null || offset + reservedBytes <= after.getKey(), "overlaps the region after");
    live.put(offset, reservedBytes);
  }

  void remove(long offset) {
    live.remove(offset);
  }

  long freeBytes() {
    return usableBytes - live.values().stream().mapToLong(Long::longValue).sum();
  }

  long largestRequest() {
    long best = 0;
    long cursor = 0;
    for (Map.Entry<Long, Long> region : live.entrySet()) {
      best = Math.max(best, servable(region.getKey() - cursor));
      cursor = region.getKey() + region.getValue();
    }
    return Math.max(best, servable(usableBytes - cursor));
  }

  /** Bytes of the gaps that can serve {@code request}: gaps whose servable size reaches the request's rounded size. */
  long fittingFreeSpace(long request) {
    long units = (request + unit - 1) / unit;
    long rounded = units;
    if (units >= 16) {
      int dropBits = 63 - Long.numberOfLeadingZeros(units) - 3;
      rounded = ((units + (1L << dropBits) - 1) >>> dropBits) << dropBits; // round up to 4 significant bits
    }
    long fitting = 0;
    long cursor = 0;
    for (Map.Entry<Long, Long> region : live.entrySet()) {
      fitting += fits(region.getKey() - cursor, rounded);
      cursor = region.getKey() + region.getValue();
    }
    return fitting + fits(usableBytes - cursor, rounded);
  }

  private long fits(long gapBytes, long roundedUnits) {
    return servable(gapBytes) >= roundedUnits * unit ? gapBytes / unit * unit : 0;
  }

  private long servable(long gapBytes) {
    long units = gapBytes / unit;
    if (units < 16) {
      return units * unit;
    }
    int dropBits = 63 - Long.numberOfLeadingZeros(units) - 3; // keep 4 significant bits
    return (units >>> dropBits << dropBits) * unit;
  }
}
