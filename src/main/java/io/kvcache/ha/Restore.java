package io.kvcache.ha;

import io.kvcache.alloc.LocalDisk;
import io.kvcache.alloc.LocalDiskRegistry;
import io.kvcache.alloc.NodeLiveness;
import io.kvcache.alloc.OffsetAllocator;
import io.kvcache.alloc.Segment;
import io.kvcache.alloc.SegmentRegistry;
import io.kvcache.replica.KeyCodec;
import io.kvcache.replica.ShardAccess;
import io.kvcache.replica.ShardRestore;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Promotion: turns a standby's {@link Catalog} into the state of a serving master — segments with allocators rebuilt
 * from the replicas' regions, SSDs, storage-node sessions, and every object in its shard — validating object by object
 * and dropping only what fails (never the whole index, unlike Mooncake #3760):
 * <ul>
 *   <li>a memory replica on a segment the catalog does not know, misaligned, or running past the segment's end;</li>
 *   <li>a memory replica whose region overlaps another object's (only a lost record could cause that): the object
 *       written last keeps the region;</li>
 *   <li>an SSD replica on a node whose SSD is not registered;</li>
 *   <li>an object with no replica left after that, or with an impossible size or key.</li>
 * </ul>
 * Restored segments stay FENCED (readable, not allocatable) until their node re-attaches under the new term.
 *
 * <p>Plain synchronous code: run it on a worker thread, before the new master serves.
 */
public final class Restore {
  private Restore() {}

  /** Objects restored, objects and replicas dropped by validation, segments mounted. */
  public record Outcome(long objects, long droppedObjects, long droppedReplicas, int segments) {}

  private record Extent(Catalog.Entry entry, int replica, long offset, long end) {}

  /** A region an object keeps: its segment and the rebuilt allocator's handle. */
  private record Placed(Segment segment, long handle) {}

  public static Outcome into(Catalog catalog, SegmentRegistry registry, LocalDiskRegistry disks, NodeLiveness liveness,
                             ShardAccess shards, long maxValueSize, long nowMs) {
    Map<String, LocalDisk> diskByNode = new HashMap<>();
    catalog.disks().forEach((node, endpoint) -> diskByNode.put(node, disks.register(node, endpoint)));
    catalog.sessions().forEach((node, token) -> liveness.adopt(node, token, nowMs));

    Map<String, List<Extent>> extentsBySegment = new HashMap<>();
    long droppedReplicas = 0;
    for (Catalog.Entry e : catalog.objects()) {
      for (int i = 0; i < e.memory().size(); i++) {
        OpRecord.MemoryAt at = e.memory().get(i);
        if (catalog.segments().containsKey(at.segment())) {
          extentsBySegment.computeIfAbsent(at.segment(), s -> new ArrayList<>()).add(new Extent(e, i, at.offset(), 0));
        } else {
          droppedReplicas++;
        }
      }
    }
    Map<Catalog.Entry, List<Placed>> placed = new IdentityHashMap<>();
    int mounted = 0;
    for (Catalog.SegmentInfo info : catalog.segments().values()) {
      OffsetAllocator allocator = new OffsetAllocator(info.capacity());
      List<Extent> accepted = nonOverlapping(extentsBySegment.getOrDefault(info.name(), List.of()), allocator,
          info.capacity());
      droppedReplicas += extentsBySegment.getOrDefault(info.name(), List.of()).size() - accepted.size();
      long[] handles = new long[accepted.size()];
      long requested = 0;
      for (int i = 0; i < handles.length; i++) {
        Extent x = accepted.get(i);
        handles[i] = allocator.reserveAt(x.offset(), x.entry().size());
        if (handles[i] != OffsetAllocator.NO_SPACE) {
          requested += x.entry().size();
        } else {
          droppedReplicas++;
        }
      }
      Segment segment = registry.mountRestored(info.name(), info.nodeId(), info.endpoint(), allocator, requested);
      mounted++;
      for (int i = 0; i < handles.length; i++) {
        if (handles[i] != OffsetAllocator.NO_SPACE) {
          placed.computeIfAbsent(accepted.get(i).entry(), k -> new ArrayList<>()).add(new Placed(segment, handles[i]));
        }
      }
    }
    long restored = 0;
    long dropped = 0;
    List<List<Catalog.Entry>> byShard = new ArrayList<>();
    for (int s = 0; s < shards.count(); s++) {
      byShard.add(new ArrayList<>());
    }
    for (Catalog.Entry e : catalog.objects()) {
      byShard.get(KeyCodec.shardOf(KeyCodec.hash(e.key()), shards.count())).add(e);
    }
    for (int s = 0; s < shards.count(); s++) {
      List<Catalog.Entry> mine = byShard.get(s);
      for (int from = 0; from < mine.size(); from += 4096) { // a short step per chunk: the shard is not serving yet anyway
        List<Catalog.Entry> chunk = mine.subList(from, Math.min(mine.size(), from + 4096));
        long[] counts = shards.call(s, shard -> {
          long ok = 0;
          for (Catalog.Entry e : chunk) {
            if (insert(shard, e, placed.getOrDefault(e, List.of()), diskByNode, maxValueSize)) {
              ok++;
            }
          }
          return new long[] {ok};
        });
        restored += counts[0];
        dropped += chunk.size() - counts[0];
      }
    }
    return new Outcome(restored, dropped, droppedReplicas, mounted);
  }

  private static boolean insert(io.kvcache.replica.Shard shard, Catalog.Entry e, List<Placed> memory,
                                Map<String, LocalDisk> diskByNode, long maxValueSize) {
    if (e.size() <= 0 || e.size() > maxValueSize || e.key().length == 0) {
      return false;
    }
    List<Segment> segments = new ArrayList<>(memory.size());
    long[] handles = new long[memory.size()];
    for (int i = 0; i < memory.size(); i++) {
      segments.add(memory.get(i).segment());
      handles[i] = memory.get(i).handle();
    }
    List<LocalDisk> onDisk = new ArrayList<>();
    for (String node : e.diskNodes()) {
      LocalDisk d = diskByNode.get(node);
      if (d != null && !onDisk.contains(d)) {
        onDisk.add(d);
      }
    }
    return ShardRestore.insert(shard, e.key(), e.size(), e.hardPinned(), e.softPinDeadlineMs(), e.groupId(), segments,
        handles, onDisk);
  }

  /**
   * The extents that keep their region, in ascending offset order: out-of-range and misaligned ones are dropped; where
   * regions overlap, the object written last wins (greedy over versions, newest first).
   */
  private static List<Extent> nonOverlapping(List<Extent> extents, OffsetAllocator allocator, long capacity) {
    List<Extent> sized = new ArrayList<>(extents.size());
    for (Extent x : extents) {
      long rounded = x.entry().size() <= 0 ? OffsetAllocator.NO_SPACE : allocator.roundedSize(x.entry().size());
      if (rounded != OffsetAllocator.NO_SPACE && x.offset() >= 0 && x.offset() % allocator.unitBytes() == 0
          && x.offset() <= capacity - rounded) {
        sized.add(new Extent(x.entry(), x.replica(), x.offset(), x.offset() + rounded));
      }
    }
    sized.sort(Comparator.comparingLong((Extent x) -> x.entry().version()).reversed());
    TreeMap<Long, Long> taken = new TreeMap<>(); // start -> end of accepted regions
    List<Extent> accepted = new ArrayList<>(sized.size());
    for (Extent x : sized) {
      Map.Entry<Long, Long> before = taken.floorEntry(x.offset());
      Map.Entry<Long, Long> after = taken.ceilingEntry(x.offset());
      if ((before == null || before.getValue() <= x.offset()) && (after == null || after.getKey() >= x.end())) {
        taken.put(x.offset(), x.end());
        accepted.add(x);
      }
    }
    accepted.sort(Comparator.comparingLong(Extent::offset));
    return accepted;
  }
}
