package io.kvcache.ha;

import io.kvcache.replica.MillisClock;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A standby master's copy of the active master's published state, built from a snapshot and then the op log applied
 * strictly in sequence: objects (size, pins, group, replica locations), segments, storage-node sessions and SSDs. It
 * holds no allocator and no shard: {@link Restore} turns it into a serving master's state on promotion, validating
 * every object on the way.
 *
 * <p>A record that fails its checksum or is of an unknown type is refused and counted, and the rest applied (one bad
 * record never costs the whole copy); every applied object record gets a fresh version, so if a lost record ever left
 * two objects claiming the same bytes, promotion keeps the one written last.
 *
 * <p>Not thread-safe: owned by one event loop.
 */
public final class Catalog {
  /** A mounted segment as the active master announced it. */
  public record SegmentInfo(String name, String nodeId, String endpoint, long capacity) {}

  /** One object's replicated state; {@code softPinDeadlineMs} on this node's clock (0: none). */
  public record Entry(byte[] key, long size, boolean hardPinned, long softPinDeadlineMs, String groupId,
                      List<OpRecord.MemoryAt> memory, List<String> diskNodes, long version) {}

  /** What applying a stream record did. */
  public enum Applied { APPLIED, REFUSED, OUT_OF_SEQUENCE }

  private final MillisClock clock;
  private final Map<Key, Entry> objects = new HashMap<>();
  private final Map<String, SegmentInfo> segments = new LinkedHashMap<>();
  private final Map<String, String> sessions = new HashMap<>();
  private final Map<String, String> disks = new HashMap<>();
  private long term;
  private long appliedSeq;
  private boolean complete;
  private long version;
  private long refused;

  public Catalog(MillisClock clock) {
    this.clock = clock;
  }

  /** Forgets everything: a new snapshot of the master of {@code term} is coming. */
  public void reset(long term) {
    objects.clear();
    segments.clear();
    sessions.clear();
    disks.clear();
    this.term = term;
    appliedSeq = 0;
    complete = false;
  }

  /** One record of the snapshot (applied in arrival order, before the stream). */
  public boolean applySnapshot(byte[] encoded) {
    return apply(encoded);
  }

  /** The snapshot is complete: the stream continues after {@code seq}. */
  public void snapshotDone(long seq) {
    appliedSeq = seq;
    complete = true;
  }

  /** Stream record {@code seq}: applied only if it is the next one. */
  public Applied applyStream(long seq, byte[] encoded) {
    if (!complete || seq != appliedSeq + 1) {
      return Applied.OUT_OF_SEQUENCE;
    }
    appliedSeq = seq;
    return apply(encoded) ? Applied.APPLIED : Applied.REFUSED;
  }

  private boolean apply(byte[] encoded) {
    OpRecordCodec.Decoded d = OpRecordCodec.decode(encoded);
    if (!d.isOk()) {
      refused++;
      return false;
    }
    switch (d.record()) {
      case OpRecord.ObjectPut p -> {
        if (p.memory().isEmpty() && p.diskNodes().isEmpty()) {
          objects.remove(new Key(p.key()));
        } else {
          long softPin = p.softPinRemainingMs() > 0 ? clock.nowMs() + p.softPinRemainingMs() : 0;
          objects.put(new Key(p.key()), new Entry(p.key(), p.size(), p.hardPinned(), softPin, p.groupId(), p.memory(),
              p.diskNodes(), ++version));
        }
      }
      case OpRecord.ObjectErased e -> objects.remove(new Key(e.key()));
      case OpRecord.SegmentMounted m -> {
        if (m.fresh()) {
          dropReplicas(at -> at.segment().equals(m.name()), node -> false);
        }
        segments.put(m.name(), new SegmentInfo(m.name(), m.nodeId(), m.endpoint(), m.capacity()));
      }
      case OpRecord.SegmentUnmounted u -> {
        segments.remove(u.name());
        dropReplicas(at -> at.segment().equals(u.name()), node -> false);
      }
      case OpRecord.NodeSession s -> sessions.put(s.nodeId(), s.token());
      case OpRecord.NodeGone g -> {
        sessions.remove(g.nodeId());
        disks.remove(g.nodeId());
        List<String> gone = segments.values().stream().filter(s -> s.nodeId().equals(g.nodeId()))
            .map(SegmentInfo::name).toList();
        gone.forEach(segments::remove);
        dropReplicas(at -> gone.contains(at.segment()), node -> node.equals(g.nodeId()));
      }
      case OpRecord.DiskRegistered r -> disks.put(r.nodeId(), r.endpoint());
    }
    return true;
  }

  /** Drops matching replicas from every object; objects left with none go. Segment and node events are rare. */
  private void dropReplicas(Predicate<OpRecord.MemoryAt> memoryGone, Predicate<String> diskGone) {
    List<Key> emptied = new ArrayList<>();
    objects.replaceAll((k, e) -> {
      List<OpRecord.MemoryAt> memory = e.memory().stream().filter(memoryGone.negate()).toList();
      List<String> disksLeft = e.diskNodes().stream().filter(diskGone.negate()).toList();
      if (memory.size() == e.memory().size() && disksLeft.size() == e.diskNodes().size()) {
        return e;
      }
      if (memory.isEmpty() && disksLeft.isEmpty()) {
        emptied.add(k);
      }
      return new Entry(e.key(), e.size(), e.hardPinned(), e.softPinDeadlineMs(), e.groupId(), memory, disksLeft,
          e.version());
    });
    emptied.forEach(objects::remove);
  }

  public long term() {
    return term;
  }

  public long appliedSeq() {
    return appliedSeq;
  }

  /** The snapshot has been applied: the copy can follow the stream (and, once the master says so, be promoted). */
  public boolean isComplete() {
    return complete;
  }

  /** Records refused (checksum mismatch, malformed, unknown type) since this catalog was built. */
  public long refused() {
    return refused;
  }

  public int objectCount() {
    return objects.size();
  }

  public Iterable<Entry> objects() {
    return objects.values();
  }

  public Map<String, SegmentInfo> segments() {
    return segments;
  }

  public Map<String, String> sessions() {
    return sessions;
  }

  public Map<String, String> disks() {
    return disks;
  }

  /** An encoded key as a map key. */
  private record Key(byte[] bytes) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }
  }
}
