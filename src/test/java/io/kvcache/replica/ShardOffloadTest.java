package io.kvcache.replica;

import io.kvcache.alloc.LocalDisk;
import io.kvcache.alloc.LocalDiskRegistry;
import io.kvcache.tasks.Task;
import io.kvcache.tasks.TaskBoard;
import io.kvcache.tasks.TaskSpec;
import io.kvcache.proto.v1.ErrorCode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Offload on the shard: the pin that protects a replica while its SSD write runs, and every way the pin goes away. */
class ShardOffloadTest {
  private static final long MIB = 1 << 20;

  /** A shard whose segment "seg-0" lives on node "node-0", which has an SSD queue and a registered disk. */
  static final class Fixture {
    final TaskBoard queues = new TaskBoard(50_000, 100, 300_000, 3);
    final LocalDiskRegistry disks = new LocalDiskRegistry();
    final LocalDisk disk = disks.register("node-0", "127.0.0.1:1");
    final Shards shards;

    Fixture(OffloadSettings settings) {
      queues.open("node-0");
      shards = new Shards(1, ShardSettings.defaults(), settings, sink(queues), 64 * MIB);
    }

    Shard shard() {
      return shards.all.get(0);
    }

    List<Task> handOut() {
      return queues.fetch("node-0", 100, 0);
    }

    ErrorCode complete(Task task, boolean ok) {
      Task accepted = queues.complete("node-0", task.id(), task.token(), ok, "").value();
      assertNotNull(accepted);
      TaskSpec.Offload o = (TaskSpec.Offload) accepted.spec();
      return shard().offload().complete(o.key(), KeyCodec.hash(o.key()), o.pinId(), disk, ok);
    }
  }

  /** The shards' sink onto the board (as the master wires it). */
  static OffloadSink sink(TaskBoard board) {
    return new OffloadSink() {
      @Override
      public long newTaskId() {
        return board.newNumber();
      }

      @Override
      public ErrorCode push(String node, long taskId, byte[] key, int shard, long offset, long size, long pinId) {
        return board.offload(node, taskId, key, shard, offset, size, pinId).code();
      }

      @Override
      public void cancel(long taskId) {
        board.cancel(taskId);
      }

      @Override
      public void deleteOnNode(String node, byte[] key) {
        board.delete(node, key);
      }
    };
  }

  private static final OffloadSettings AT_PUT_END = new OffloadSettings(true, false, false, 25_000);

  @Test
  void putEndPinsTheReplicaUntilTheOffloadCompletesThenItIsDiskBacked() {
    Fixture f = new Fixture(AT_PUT_END);
    assertEquals(ErrorCode.OK, f.shards.put("k", MIB));
    assertEquals(1, f.shards.shared.livePins().get());
    f.shards.clock.advance(1);
    assertEquals(0, f.shards.evict(1.0, 1.0, true).evicted(), "the pinned replica survives forced eviction");
    List<Task> tasks = f.handOut();
    assertEquals(1, tasks.size());
    assertEquals(ErrorCode.OK, f.complete(tasks.get(0), true));
    assertEquals(0, f.shards.shared.livePins().get());
    ObjectEntry e = f.shards.find("k");
    assertEquals(2, e.replicaCount(), "memory + LOCAL_DISK");
    f.shards.clock.advance(1);
    assertEquals(1, f.shards.evict(1.0, 1.0, true).evicted(), "now evictable");
    e = f.shards.find("k");
    assertNotNull(e, "survives as disk-only");
    assertEquals(1, e.replicaCount());
    assertTrue(e.replica(0) instanceof DiskReplica);
    assertEquals(0, f.shards.segments.allocatedBytes());
  }

  @Test
  void nackTimeoutAndRemovalAllDropThePin() {
    Fixture f = new Fixture(AT_PUT_END);
    f.shards.put("nack", MIB);
    f.shards.put("late", MIB);
    f.shards.put("removed", MIB);
    assertEquals(3, f.shards.shared.livePins().get());
    List<Task> tasks = f.handOut();
    Task nack = tasks.stream().filter(t -> new String(t.spec().key()).endsWith("nack")).findFirst().orElseThrow();
    Task late = tasks.stream().filter(t -> new String(t.spec().key()).endsWith("late")).findFirst().orElseThrow();
    assertEquals(ErrorCode.OK, f.complete(nack, false));
    assertEquals(1, f.shards.find("nack").replicaCount(), "a NACK adds no replica");
    byte[] removed = KeyCodec.encode("", "removed");
    assertEquals(ErrorCode.OK, f.shard().removes().remove(removed, KeyCodec.hash(removed), true));
    assertEquals(1, f.shards.shared.livePins().get(), "only 'late' is still pinned");
    f.shards.clock.advance(ShardSettings.defaults().releaseTimeoutMs());
    f.shard().housekeeping().sweep();
    assertEquals(0, f.shards.shared.livePins().get(), "the release timeout dropped the last pin");
    assertNull(f.queues.complete("node-0", late.id(), late.token(), true, "").value(), "a late completion is refused");
    assertEquals(1, f.shards.find("late").replicaCount());
  }

  @Test
  void removingADiskBackedObjectDeletesItsSsdCopy() {
    Fixture f = new Fixture(AT_PUT_END);
    f.shards.put("k", MIB);
    f.complete(f.handOut().get(0), true);
    byte[] k = KeyCodec.encode("", "k");
    assertEquals(ErrorCode.OK, f.shard().removes().remove(k, KeyCodec.hash(k), true));
    List<Task> deletions = f.queues.fetch("node-0", 10, 0);
    assertEquals(1, deletions.size());
    assertArrayEquals(k, deletions.get(0).spec().key());
    assertEquals(0, f.disk.usedBytes());
  }

  @Test
  void reRegistrationCreatesDiskOnlyObjectsAndNodeEvictionDropsThem() {
    Fixture f = new Fixture(AT_PUT_END);
    byte[] k = KeyCodec.encode("", "from-disk");
    assertEquals(ErrorCode.OK, f.shard().offload().register(k, KeyCodec.hash(k), 4096, f.disk));
    assertEquals(ErrorCode.OK, f.shard().reads().lease(k, KeyCodec.hash(k)).code(), "readable from SSD");
    assertEquals(ErrorCode.INVALID_PARAMS, f.shard().offload().register(k, KeyCodec.hash(k), 1234, f.disk),
        "a different size is another object");
    assertEquals(1, f.shard().offload().dropDiskReplicas("node-0", List.of(k)));
    assertNull(f.shard().reads().find(k, KeyCodec.hash(k)));
  }

  @Test
  void aDiskReplicaOfALostNodeIsUnreadable() {
    Fixture f = new Fixture(AT_PUT_END);
    byte[] k = KeyCodec.encode("", "k");
    f.shard().offload().register(k, KeyCodec.hash(k), 4096, f.disk);
    f.disks.unregister("node-0");
    assertEquals(ErrorCode.OBJECT_NOT_FOUND, f.shard().reads().lease(k, KeyCodec.hash(k)).code());
  }

  @Test
  void offloadOnEvictQueuesInsteadOfDroppingUnlessForced() {
    for (boolean force : new boolean[] {false, true}) {
      Fixture f = new Fixture(new OffloadSettings(true, true, force, 1));
      f.shards.put("a", MIB);
      f.shards.clock.advance(1);
      f.shards.put("b", MIB);
      assertEquals(0, f.shards.shared.livePins().get(), "nothing is offloaded at PutEnd in this mode");
      f.shards.clock.advance(1);
      f.shards.evict(1.0, 1.0, true);
      assertEquals(1, f.shards.shared.livePins().get(), "one object queued (the cap is 1 per round)");
      assertNotNull(f.shards.find("a"), "the queued object keeps its pinned memory replica");
      assertEquals(force, f.shards.find("b") == null, force ? "forced: the other is dropped" : "not forced: it stays");
    }
  }
}
