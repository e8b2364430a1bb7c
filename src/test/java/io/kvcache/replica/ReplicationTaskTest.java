package io.kvcache.replica;

import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.ReplicateConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.kvcache.replica.ShardFixture.*;
import static org.junit.jupiter.api.Assertions.*;

/** COPY and MOVE tasks (checklist items 35–37) and the pins they hold. */
class ReplicationTaskTest {
  private static final long MIB = 1 << 20;
  private static final long CLIENT = 42;
  private static final long OTHER = 43;

  private static ShardFixture withObjectOnSeg0() {
    ShardFixture f = new ShardFixture(ShardSettings.defaults(), "random", 64 * MIB, 64 * MIB, 64 * MIB);
    assertEquals(ErrorCode.OK, f.putStart("obj", MIB, ReplicateConfig.newBuilder().addPreferredSegments("seg-0").build()));
    assertEquals(ErrorCode.OK, f.putEnd("obj"));
    return f;
  }

  private static ReplicationOps tasks(ShardFixture f) {
    return f.shard.replication();
  }

  @Test
  void copyPinsTheSourceKeepsTargetsInvisibleAndEndMakesThemReadable() { // items 35, 36
    ShardFixture f = withObjectOnSeg0();
    ReplicationTask task = tasks(f).copyStart(CLIENT, key("obj"), hash("obj"), "seg-0", List.of("seg-1", "seg-2")).value();
    assertNotNull(task);
    assertEquals(2, task.targets().size());
    assertEquals(1, task.source().pins());
    assertEquals(1, f.shared.livePins().get());
    assertEquals(3, f.find("obj").replicaCount());
    assertEquals(1, readable(f), "targets are invisible until the copy ends");
    assertEquals(ErrorCode.OBJECT_HAS_REPLICATION_TASK, f.remove("obj", true));
    assertEquals(ErrorCode.OK, tasks(f).end(CLIENT, key("obj"), hash("obj"), false));
    assertEquals(3, readable(f));
    assertEquals(0, task.source().pins());
    assertEquals(0, f.shared.livePins().get());
    assertEquals(ErrorCode.OK, f.remove("obj", true), "no task any more");
  }

  @Test
  void moveEndDropsTheSourceAndParksItsBuffer() { // item 36
    ShardFixture f = withObjectOnSeg0();
    ReplicationTask task = tasks(f).moveStart(CLIENT, key("obj"), hash("obj"), "seg-0", "seg-1").value();
    assertNotNull(task);
    assertEquals(ErrorCode.OK, tasks(f).end(CLIENT, key("obj"), hash("obj"), true));
    ObjectEntry e = f.find("obj");
    assertEquals(1, e.replicaCount());
    assertEquals("seg-1", ((MemoryReplica) e.replica(0)).segment().name());
    assertEquals(1, f.shard.parkedCount(), "the old source is freed only after the release timeout");
    assertEquals(0, f.shared.livePins().get());
  }

  @Test
  void secondTaskWrongClientMissingTaskAndWrongKindAreRefused() { // item 37
    ShardFixture f = withObjectOnSeg0();
    assertNotNull(tasks(f).copyStart(CLIENT, key("obj"), hash("obj"), "seg-0", List.of("seg-1")).value());
    assertEquals(ErrorCode.OBJECT_HAS_REPLICATION_TASK, tasks(f).moveStart(CLIENT, key("obj"), hash("obj"), "seg-0", "seg-2").code());
    assertEquals(ErrorCode.ILLEGAL_CLIENT, tasks(f).end(OTHER, key("obj"), hash("obj"), false));
    assertEquals(ErrorCode.INVALID_PARAMS, tasks(f).end(CLIENT, key("obj"), hash("obj"), true), "it is a copy, not a move");
    assertEquals(ErrorCode.OK, tasks(f).revoke(CLIENT, key("obj"), hash("obj"), false));
    assertEquals(ErrorCode.OBJECT_NO_REPLICATION_TASK, tasks(f).end(CLIENT, key("obj"), hash("obj"), false));
    assertEquals(ErrorCode.OBJECT_NO_REPLICATION_TASK, tasks(f).revoke(CLIENT, key("obj"), hash("obj"), false));
    assertEquals(1, f.find("obj").replicaCount(), "revoke freed the target");
    assertEquals(0, f.shared.livePins().get());
  }

  @Test
  void startValidatesSegmentsObjectAndSource() {
    ShardFixture f = withObjectOnSeg0();
    assertEquals(ErrorCode.SEGMENT_NOT_FOUND, tasks(f).copyStart(CLIENT, key("obj"), hash("obj"), "seg-0", List.of("nowhere")).code());
    f.segments.setDraining("seg-2");
    assertEquals(ErrorCode.UNAVAILABLE_IN_CURRENT_STATUS, tasks(f).copyStart(CLIENT, key("obj"), hash("obj"), "seg-0", List.of("seg-2")).code());
    assertEquals(ErrorCode.OBJECT_NOT_FOUND, tasks(f).copyStart(CLIENT, key("none"), hash("none"), "seg-0", List.of("seg-1")).code());
    assertEquals(ErrorCode.REPLICA_NOT_FOUND, tasks(f).copyStart(CLIENT, key("obj"), hash("obj"), "seg-1", List.of("seg-0")).code());
    assertEquals(ErrorCode.INVALID_PARAMS, tasks(f).moveStart(CLIENT, key("obj"), hash("obj"), "seg-0", "seg-0").code());
    assertEquals(0, f.shared.livePins().get(), "refused starts pin nothing");
    assertEquals(MIB, f.segments.allocatedBytes(), "refused starts allocate nothing");
  }

  @Test
  void onlyTheTaskClientMayWriteTargetsAndOnlyTargets() {
    ShardFixture f = withObjectOnSeg0();
    ReplicationTask task = tasks(f).copyStart(CLIENT, key("obj"), hash("obj"), "seg-0", List.of("seg-1")).value();
    long target = task.targets().get(0).id();
    assertNotNull(f.shard.puts().writableReplica(CLIENT, key("obj"), hash("obj"), target, 0, MIB).value());
    assertNull(f.shard.puts().writableReplica(OTHER, key("obj"), hash("obj"), target, 0, MIB).value());
    assertEquals(ErrorCode.ILLEGAL_CLIENT, f.shard.puts().writableReplica(OTHER, key("obj"), hash("obj"), target, 0, MIB)
        .code());
    assertNull(f.shard.puts().writableReplica(CLIENT, key("obj"), hash("obj"), ((MemoryReplica) task.source()).id(), 0,
        MIB).value());
    assertEquals(ErrorCode.REPLICA_NOT_FOUND, f.shard.puts().writableReplica(CLIENT, key("obj"), hash("obj"),
        ((MemoryReplica) task.source()).id(), 0, MIB).code(), "the COMPLETE source is not writable");
  }

  @Test
  void expiredTasksAreReapedAndUnpinned() {
    ShardSettings s = new ShardSettings(10_000, 3_000, 5_000, 1_800_000, 86_400_000, 64 * MIB, 64);
    ShardFixture f = new ShardFixture(s, "random", 64 * MIB, 64 * MIB);
    f.putStart("obj", MIB, ReplicateConfig.newBuilder().addPreferredSegments("seg-0").build());
    f.putEnd("obj");
    assertNotNull(tasks(f).copyStart(CLIENT, key("obj"), hash("obj"), "seg-0", List.of("seg-1")).value());
    f.clock.advance(4_999);
    f.shard.housekeeping().sweep();
    assertEquals(1, tasks(f).count());
    f.clock.advance(1);
    f.shard.housekeeping().sweep();
    assertEquals(0, tasks(f).count());
    assertEquals(0, f.shared.livePins().get());
    assertEquals(1, f.find("obj").replicaCount());
    assertEquals(MIB, f.segments.allocatedBytes(), "the abandoned target's buffer was released");
  }

  @Test
  void erasingAnObjectDropsItsPins() {
    ShardFixture f = withObjectOnSeg0();
    assertNotNull(tasks(f).copyStart(CLIENT, key("obj"), hash("obj"), "seg-0", List.of("seg-1")).value());
    f.segments.unmount("seg-0"); // the pinned source's segment vanishes, and so does the object at the next touch
    f.segments.unmount("seg-1");
    assertNull(f.find("obj"));
    assertEquals(0, f.shared.livePins().get());
    assertEquals(0, tasks(f).count());
  }

  private static int readable(ShardFixture f) {
    ObjectEntry e = f.find("obj");
    int n = 0;
    for (int i = 0; i < e.replicaCount(); i++) {
      n += e.replica(i).isReadable() ? 1 : 0;
    }
    return n;
  }
}
