package io.kvcache.ha;

import io.kvcache.alloc.AllocationStrategies;
import io.kvcache.alloc.LocalDiskRegistry;
import io.kvcache.alloc.NodeLiveness;
import io.kvcache.alloc.Segment;
import io.kvcache.alloc.SegmentRegistry;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.ReplicateConfig;
import io.kvcache.replica.KeyCodec;
import io.kvcache.replica.MemoryReplica;
import io.kvcache.replica.ObjectEntry;
import io.kvcache.replica.ReplicaMetrics;
import io.kvcache.replica.Shard;
import io.kvcache.replica.ShardAccess;
import io.kvcache.replica.ShardRestore;
import io.kvcache.replica.ShardSettings;
import io.kvcache.replica.ShardShared;
import io.kvcache.replica.OffloadSettings;
import io.kvcache.replica.OffloadSink;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A standby's copy, end to end in the domain: a master changes its shards, a follower applies a snapshot taken while
 * the master kept changing and then the op log, and the copy restored on a fresh master holds exactly the master's
 * objects at exactly their regions.
 */
class FollowAndRestoreTest {
  private static final long MIB = 1 << 20;
  private static final int SHARDS = 4;

  /** A master's shards over a registry of two segments. */
  private static final class Master {
    final long[] now = {1_000_000};
    final SegmentRegistry segments = new SegmentRegistry();
    final Journal journal = new Journal(() -> now[0]);
    final List<Shard> shards = new ArrayList<>();
    final ShardAccess access;

    Master(boolean mountSegments) {
      if (mountSegments) {
        segments.mount("seg-a", "node-a", "127.0.0.1:1", 64 * MIB);
        segments.mount("seg-b", "node-b", "127.0.0.1:2", 64 * MIB);
      }
      ShardShared shared = ShardShared.of(ShardSettings.defaults(), segments, ReplicaMetrics.detached(),
          () -> now[0], OffloadSettings.DISABLED, OffloadSink.NONE, journal);
      for (int i = 0; i < SHARDS; i++) {
        shards.add(new Shard(i, shared, AllocationStrategies.create("random", i)));
      }
      access = new ShardAccess() {
        @Override
        public int count() {
          return SHARDS;
        }

        @Override
        public <T> T call(int shard, Function<Shard, T> step) {
          return step.apply(shards.get(shard));
        }
      };
    }

    Shard shardOf(byte[] key) {
      return shards.get(KeyCodec.shardOf(KeyCodec.hash(key), SHARDS));
    }

    ErrorCode put(String k, long size, int replicas) {
      byte[] key = KeyCodec.encode("", k);
      Shard s = shardOf(key);
      ErrorCode started = s.puts().putStart(1, key, KeyCodec.hash(key), size,
          ReplicateConfig.newBuilder().setReplicaNum(replicas).build()).code();
      return started != ErrorCode.OK ? started : s.puts().putEnd(1, key, KeyCodec.hash(key));
    }

    ErrorCode remove(String k) {
      byte[] key = KeyCodec.encode("", k);
      return shardOf(key).removes().remove(key, KeyCodec.hash(key), true);
    }

    ObjectEntry find(String k) {
      byte[] key = KeyCodec.encode("", k);
      return shardOf(key).reads().find(key, KeyCodec.hash(key));
    }

    /** segment name and offset of every memory replica, by key. */
    Map<String, TreeSet<String>> placement(List<String> keys) {
      Map<String, TreeSet<String>> out = new HashMap<>();
      for (String k : keys) {
        ObjectEntry e = find(k);
        if (e != null) {
          TreeSet<String> at = new TreeSet<>();
          for (int i = 0; i < e.replicaCount(); i++) {
            MemoryReplica m = (MemoryReplica) e.replica(i);
            at.add(m.segment().name() + "@" + m.offset() + "/" + e.size());
          }
          out.put(k, at);
        }
      }
      return out;
    }
  }

  @Test
  void aSnapshotTakenWhileTheMasterChangesPlusTheLogRestoresTheMastersExactState() {
    Master master = new Master(true);
    Random random = new Random(3);
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      keys.add("k" + i);
      assertEquals(ErrorCode.OK, master.put("k" + i, 1 + random.nextInt(100_000), 1 + random.nextInt(2)));
    }
    for (int i = 0; i < 300; i += 3) {
      master.remove("k" + i);
    }
    // A standby attaches: recording starts, the snapshot is walked while the master keeps changing.
    long start = master.journal.startRecording();
    Catalog copy = new Catalog(() -> 0L);
    for (Segment s : master.segments.snapshot()) {
      copy.applySnapshot(OpRecordCodec.encode(new OpRecord.SegmentMounted(s.name(), s.nodeId(), s.endpoint(),
          s.capacity(), true)));
    }
    int[] slices = {0};
    ShardRestore.walk(master.access, e -> OpRecordCodec.encode(Journal.putOf(e, master.now[0])), slice -> {
      slice.forEach(copy::applySnapshot);
      // between slices the master carries on: removals and new puts, some landing on freed regions
      master.remove("k" + (1 + 3 * slices[0]));
      String fresh = "fresh" + slices[0]++;
      keys.add(fresh);
      master.put(fresh, 1 + random.nextInt(100_000), 1);
    });
    copy.snapshotDone(start);
    for (int i = 0; i < 100; i++) {
      keys.add("late" + i);
      master.put("late" + i, 1 + random.nextInt(100_000), 2);
      master.remove("k" + (2 + 3 * i));
    }
    // The log from where the snapshot began; the first batch arrives twice (a resend): the copy skips what it has.
    long last = master.journal.lastSeq();
    List<byte[]> log = master.journal.read(start + 1, Integer.MAX_VALUE);
    assertEquals(last - start, log.size());
    for (int i = 0; i < 10; i++) {
      assertEquals(Catalog.Applied.APPLIED, copy.applyStream(start + 1 + i, log.get(i)));
    }
    assertEquals(Catalog.Applied.OUT_OF_SEQUENCE, copy.applyStream(start + 1 + 5, log.get(5)), "a resent record");
    assertEquals(Catalog.Applied.OUT_OF_SEQUENCE, copy.applyStream(start + 20, log.get(19)), "a gap");
    for (int i = 10; i < log.size(); i++) {
      assertEquals(Catalog.Applied.APPLIED, copy.applyStream(start + 1 + i, log.get(i)));
    }
    assertEquals(last, copy.appliedSeq());

    Master promoted = new Master(false);
    Restore.Outcome outcome = Restore.into(copy, promoted.segments, new LocalDiskRegistry(), new NodeLiveness(10_000),
        promoted.access, 64 * MIB, promoted.now[0]);
    assertEquals(0, outcome.droppedObjects());
    assertEquals(master.placement(keys), promoted.placement(keys));
    for (Segment s : master.segments.snapshot()) {
      assertEquals(s.allocatedBytes(), promoted.segments.byName(s.name()).allocatedBytes(), s.name());
    }
    // The promoted master allocates around what it restored.
    for (int i = 0; i < 50; i++) {
      assertEquals(ErrorCode.OK, promoted.put("after" + i, 50_000, 2));
    }
    Map<String, TreeSet<String>> all = promoted.placement(new ArrayList<>(keys) {{
      for (int i = 0; i < 50; i++) {
        add("after" + i);
      }
    }});
    assertNoOverlap(all);
  }

  @Test
  void aCorruptRecordIsRefusedAndCountedAndTheRestApplied() {
    Catalog copy = new Catalog(() -> 0L);
    copy.snapshotDone(0);
    byte[] mount = OpRecordCodec.encode(new OpRecord.SegmentMounted("s", "n", "e", MIB, true));
    byte[] a = OpRecordCodec.encode(put("a", 0, 100));
    byte[] b = OpRecordCodec.encode(put("b", 4096, 100));
    b[3] ^= 1;
    byte[] c = OpRecordCodec.encode(put("c", 8192, 100));
    assertEquals(Catalog.Applied.APPLIED, copy.applyStream(1, mount));
    assertEquals(Catalog.Applied.APPLIED, copy.applyStream(2, a));
    assertEquals(Catalog.Applied.REFUSED, copy.applyStream(3, b));
    assertEquals(Catalog.Applied.APPLIED, copy.applyStream(4, c));
    assertEquals(1, copy.refused());
    assertEquals(4, copy.appliedSeq());
    assertEquals(2, copy.objectCount());
  }

  @Test
  void promotionDropsOnlyTheObjectsThatFailValidation() {
    Catalog copy = new Catalog(() -> 0L);
    copy.snapshotDone(0);
    long seq = 0;
    for (OpRecord r : List.of(new OpRecord.SegmentMounted("s", "n", "e", MIB, true),
        put("old", 0, 4096),                   // overlapped by the newer "new": the newer keeps the region
        put("new", 2048, 4096),
        put("elsewhere", 0, 100, "unknown"),   // on a segment the copy does not know
        put("past-end", MIB - 100, 4096),      // runs past the segment's end
        put("fine", 64 * 1024, 100),
        new OpRecord.NodeSession("n", "token"))) {
      assertEquals(Catalog.Applied.APPLIED, copy.applyStream(++seq, OpRecordCodec.encode(r)));
    }
    Master promoted = new Master(false);
    NodeLiveness liveness = new NodeLiveness(10_000);
    Restore.Outcome outcome = Restore.into(copy, promoted.segments, new LocalDiskRegistry(), liveness,
        promoted.access, 64 * MIB, promoted.now[0]);
    assertEquals(2, outcome.objects());
    assertEquals(3, outcome.droppedObjects());
    assertNull(promoted.find("old"));
    assertNull(promoted.find("elsewhere"));
    assertNull(promoted.find("past-end"));
    assertEquals(2048, ((MemoryReplica) promoted.find("new").replica(0)).offset());
    assertEquals(64 * 1024, ((MemoryReplica) promoted.find("fine").replica(0)).offset());
    assertTrue(liveness.authentic("n", "token"), "the node keeps its session");
    assertTrue(promoted.find("fine").hasLease(promoted.now[0]), "restored objects are leased afresh");
  }

  private static OpRecord.ObjectPut put(String k, long offset, long size) {
    return put(k, offset, size, "s");
  }

  private static OpRecord.ObjectPut put(String k, long offset, long size, String segment) {
    return new OpRecord.ObjectPut(KeyCodec.encode("", k), size, false, 0, "",
        List.of(new OpRecord.MemoryAt(segment, offset)), List.of());
  }

  private static void assertNoOverlap(Map<String, TreeSet<String>> placement) {
    Map<String, TreeSet<long[]>> bySegment = new HashMap<>();
    placement.values().forEach(set -> set.forEach(at -> {
      String[] p = at.split("[@/]");
      bySegment.computeIfAbsent(p[0], s -> new TreeSet<>((x, y) -> Long.compare(x[0], y[0])))
          .add(new long[] {Long.parseLong(p[1]), Long.parseLong(p[2])});
    }));
    bySegment.forEach((segment, regions) -> {
      long end = -1;
      for (long[] r : regions) {
        assertTrue(r[0] >= end, "overlap on " + segment + " at " + r[0]);
        end = r[0] + r[1];
      }
    });
  }
}
