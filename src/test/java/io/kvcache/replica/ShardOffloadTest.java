package io.kvcache.replica;

import io.kvcache.alloc.LocalDisk;
import io.kvcache.alloc.LocalDiskRegistry;
import io.kvcache.offload.OffloadQueues;
import io.kvcache.proto.v1.ErrorCode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Offload on the shard: the pin that protects a replica while its SSD write runs, and every way the pin goes away. */
class ShardOffloadTest {
  private static final long MIB = 1 << 20;

  /** A shard whose segment "seg-0" lives on node "node-0", which has an SSD queue and a registered disk. */
  static final class Fixture {
    final OffloadQueues queues = new OffloadQueues(50_000);
    final LocalDiskRegistry disks = new LocalDiskRegistry();
    final LocalDisk disk = disks.register("node-0", "127.0.0.1:1");
    final Shards shards;

    Fixture(OffloadSettings settings) {
      queues.open("node-0");
      shards = new Shards(1, ShardSettings.defaults(), settings, sink(queues), 64 * MIB);
    }

    ReplicaShard shard() {
      return shards.all.get(0);
    }

    List<OffloadQueues.Task> handOut() {
      return queues.drain("node-0", 100);
    }

    ErrorCode complete(OffloadQueues.Task task, boolean ok) {
      OffloadQueues.Task accepted = queues.complete("node-0", task.id(), task.token());
      assertNotNull(accepted);
      return shard().offload().complete(accepted.key(), KeyCodec.hash(accepted.key()), accepted.pinId(), disk, ok);
    }
  }

  static OffloadSink sink(OffloadQueues q) {
    return new io.kvcache.offload.QueueSink(q);
  }

  private static final OffloadSettings AT_PUT_END = new OffloadSettings(true, false, false, 25_000);

  @Test
  void putEndPinsTheReplicaUntilTheOffloadCompletesThenItIsDiskBacked() {
    Fixture f = new Fixture(AT_PUT_END);
    assertEquals(ErrorCode.OK, f.shards.put("k", MIB));
    assertEquals(1, f.shards.shared.livePins().get());
    f.shards.clock.advance(1);
    assertEquals(0, f.shards.evict(1.0, 1.0, true).evicted(), "the pinned replica survives forced eviction");
    List<OffloadQueues.Task> tasks = f.handOut();
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
    List<OffloadQueues.Task> tasks = f.handOut();
    OffloadQueues.Task nack = tasks.stream().filter(t -> new String(t.key()).endsWith("nack")).findFirst().orElseThrow();
    OffloadQueues.Task late = tasks.stream().filter(t -> new String(t.key()).endsWith("late")).findFirst().orElseThrow();
    assertEquals(ErrorCode.OK, f.complete(nack, false));
    assertEquals(1, f.shards.find("nack").replicaCount(), "a NACK adds no replica");
    byte[] removed = KeyCodec.encode("", "removed");
    assertEquals(ErrorCode.OK, f.shard().remove(removed, KeyCodec.hash(removed), true));
    assertEquals(1, f.shards.shared.livePins().get(), "only 'late' is still pinned");
    f.shards.clock.advance(ShardSettings.defaults().releaseTimeoutMs());
    f.shard().sweep();
    assertEquals(0, f.shards.shared.livePins().get(), "the release timeout dropped the last pin");
    assertNull(f.queues.complete("node-0", late.id(), late.token()), "a late completion is refused");
    assertEquals(1, f.shards.find("late").replicaCount());
  }

  @Test
  void removingADiskBackedObjectDeletesItsSsdCopy() {
    Fixture f = new Fixture(AT_PUT_END);
    f.shards.put("k", MIB);
    f.complete(f.handOut().get(0), true);
    byte[] k = KeyCodec.encode("", "k");
    assertEquals(ErrorCode.OK, f.shard().remove(k, KeyCodec.hash(k), true));
    List<byte[]> deletions = f.queues.takeDeletions("node-0", 10);
    assertEquals(1, deletions.size());
    assertArrayEquals(k, deletions.get(0));
    assertEquals(0, f.disk.usedBytes());
  }

  @Test
  void reRegistrationCreatesDiskOnlyObjectsAndNodeEvictionDropsThem() {
    Fixture f = new Fixture(AT_PUT_END);
    byte[] k = KeyCodec.encode("", "from-disk");
    assertEquals(ErrorCode.OK, f.shard().offload().register(k, KeyCodec.hash(k), 4096, f.disk));
    assertEquals(ErrorCode.OK, f.shard().lease(k, KeyCodec.hash(k)), "readable from SSD");
    assertEquals(ErrorCode.INVALID_PARAMS, f.shard().offload().register(k, KeyCodec.hash(k), 1234, f.disk),
        "a different size is another object");
    assertEquals(1, f.shard().offload().dropDiskReplicas("node-0", List.of(k)));
    assertNull(f.shard().find(k, KeyCodec.hash(k)));
  }

  @Test
  void aDiskReplicaOfALostNodeIsUnreadable() {
    Fixture f = new Fixture(AT_PUT_END);
    byte[] k = KeyCodec.encode("", "k");
    f.shard().offload().register(k, KeyCodec.hash(k), 4096, f.disk);
    f.disks.unregister("node-0");
    assertEquals(ErrorCode.OBJECT_NOT_FOUND, f.shard().lease(k, KeyCodec.hash(k)));
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
