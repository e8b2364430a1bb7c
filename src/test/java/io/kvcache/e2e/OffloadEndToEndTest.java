package io.kvcache.e2e;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.kvcache.master.MasterRole;
import io.kvcache.app.Node;
import io.kvcache.bus.Addresses;
import io.kvcache.proto.bus.*;
import io.kvcache.proto.v1.*;
import io.kvcache.ssd.load.LoadBuffers;
import io.kvcache.testing.Await;
import io.kvcache.testing.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static io.kvcache.testing.Values.value;
import static org.junit.jupiter.api.Assertions.*;

/** Offload to SSD end to end on one node: DRAM → SSD, read-back, the pin that protects in-flight offloads, load buffers. */
class OffloadEndToEndTest {
  private Node node;
  private Vertx clientVertx;
  private KvStoreGrpcClient client;

  @AfterEach
  void stop() {
    TestNodes.stop(node);
    TestNodes.close(clientVertx);
  }

  static JsonObject offloadNode(Path ssdDir, JsonObject extra) {
    return TestNodes.singleNode("64MiB").put("enable_offload", true).put("ssd_dir", ssdDir.toString())
        .put("load_buffer_size", "16MiB").put("heartbeat_interval_ms", 100).mergeIn(extra);
  }

  static Path freshDir() {
    return Path.of(System.getProperty("kv.test.dir", "target/test-data"), "ssd-" + UUID.randomUUID());
  }

  private void start(JsonObject config) {
    node = TestNodes.start(config);
    clientVertx = Vertx.vertx();
    client = TestNodes.client(clientVertx, node.grpcPort());
  }

  private static <T> T await(Future<T> f) {
    return TestNodes.await(f);
  }

  /** The key's readable replica types, asked of its shard without granting a read lease (which would block eviction). */
  private List<ReplicaType> replicaTypes(String key) {
    io.kvcache.metadata.ObjectKey k = io.kvcache.metadata.ObjectKey.of("", key);
    MasterRole master = node.master();
    return master.shards().call(master.shards().indexOf(k), s -> {
      io.kvcache.replica.ObjectEntry e = s.reads().find(k.encoded(), k.hash());
      List<ReplicaType> types = new java.util.ArrayList<>();
      for (int i = 0; e != null && i < e.replicaCount(); i++) {
        if (e.replica(i).isReadable()) {
          types.add(e.replica(i).isMemory() ? ReplicaType.MEMORY : ReplicaType.LOCAL_DISK);
        }
      }
      return types;
    });
  }

  private void put(String key, ByteString v) {
    assertEquals(ErrorCode.OK, await(client.put(PutRequest.newBuilder().setKey(key).setValue(v).build())).getCode());
  }

  private long livePins() {
    return node.master().shards().shared().livePins().get();
  }

  @Test
  void putGoesToSsdAndAnEvictedValueComesBackFromIt() {
    start(offloadNode(freshDir(), new JsonObject()));
    ByteString v = value("offloaded", 300_000);
    put("offloaded", v);
    Await.until("an SSD replica", Duration.ofSeconds(30), () -> replicaTypes("offloaded").contains(ReplicaType.LOCAL_DISK));
    assertEquals(0, livePins(), "the offload completed: pin released");
    MasterRole master = node.master();
    master.evict(1.0, 1.0, true);
    assertEquals(List.of(ReplicaType.LOCAL_DISK), replicaTypes("offloaded"), "disk-only after eviction");
    assertEquals(v, await(client.get(GetRequest.newBuilder().setKey("offloaded").build())).getValue());
    List<GetItem> items = Streams.items(clientVertx,
        () -> client.batchGet(BatchGetRequest.newBuilder().addKeys("offloaded").build()));
    assertEquals(v, items.get(0).getValue(), "batch gets read SSD-only keys too");
    assertEquals(0, node.storage().ssd().buffers().usedBytes(), "load buffers released early, not by GC");
    assertTrue(node.storage().ssd().buffers().earlyReleases() >= 2);
    assertEquals(0, node.storage().ssd().buffers().gcReclaims());
  }

  @Test
  void promotionOnHitCopiesAnSsdOnlyValueBackIntoDram() {
    start(offloadNode(freshDir(), new JsonObject().put("promotion_on_hit", true)));
    ByteString v = value("promoted", 200_000);
    put("promoted", v);
    Await.until("an SSD replica", Duration.ofSeconds(30), () -> replicaTypes("promoted").contains(ReplicaType.LOCAL_DISK));
    node.master().evict(1.0, 1.0, true);
    assertEquals(List.of(ReplicaType.LOCAL_DISK), replicaTypes("promoted"));
    assertEquals(v, await(client.get(GetRequest.newBuilder().setKey("promoted").build())).getValue());
    Await.until("the value back in DRAM", Duration.ofSeconds(30), () -> replicaTypes("promoted").contains(ReplicaType.MEMORY));
    assertEquals(v, await(client.get(GetRequest.newBuilder().setKey("promoted").build())).getValue(),
        "the promoted copy holds the same bytes");
  }

  @Test
  void aPinnedObjectSurvivesForcedEvictionUntilItsOffloadCompletes() {
    start(offloadNode(freshDir(), new JsonObject()));
    node.storage().worker().pause(); // holds the window open: the SSD write does not happen yet
    ByteString v = value("in-flight", 100_000);
    put("in-flight", v);
    assertEquals(1, livePins());
    node.master().evict(1.0, 1.0, true);
    assertEquals(List.of(ReplicaType.MEMORY), replicaTypes("in-flight"), "the pinned memory replica was not evicted");
    node.storage().worker().resume();
    Await.until("the SSD copy", Duration.ofSeconds(30), () -> replicaTypes("in-flight").contains(ReplicaType.LOCAL_DISK));
    assertEquals(0, livePins());
    node.master().evict(1.0, 1.0, true);
    assertEquals(List.of(ReplicaType.LOCAL_DISK), replicaTypes("in-flight"), "evictable once offloaded");
    assertEquals(v, await(client.get(GetRequest.newBuilder().setKey("in-flight").build())).getValue());
  }

  @Test
  void pinsAreReleasedByRemovalAndByTimeout() {
    start(offloadNode(freshDir(), new JsonObject().put("put_start_discard_timeout_ms", 500)
        .put("put_start_release_timeout_ms", 1500)));
    node.storage().worker().pause();
    put("removed", value("r", 1000));
    put("timed-out", value("t", 1000));
    assertEquals(2, livePins());
    assertEquals(ErrorCode.OK, await(client.remove(RemoveRequest.newBuilder().setKey("removed").setForce(true).build())).getCode());
    assertEquals(1, livePins(), "removal dropped its pin");
    Await.until("the offload's pin to expire", Duration.ofSeconds(30), () -> livePins() == 0);
    node.storage().worker().resume();
    Await.until("the expired tasks to be handed out", Duration.ofSeconds(30),
        () -> node.master().board().depth(node.nodeId()) == 0);
    assertEquals(List.of(ReplicaType.MEMORY), replicaTypes("timed-out"), "a late completion adds no replica");
  }

  @Test
  void aFullSsdNacksAndTheReplicaIsUnpinned() {
    start(offloadNode(freshDir(), new JsonObject().put("ssd_capacity", "64KiB").put("ssd_eviction_policy", "none")));
    put("too-big-for-ssd", value("big", 1 << 20));
    Await.until("the NACK", Duration.ofSeconds(30), () -> livePins() == 0);
    assertEquals(List.of(ReplicaType.MEMORY), replicaTypes("too-big-for-ssd"));
    assertTrue(node.meters().counter("kvstore_offload_nacks").count() >= 1);
  }

  @Test
  void completionsFromAnyoneButTheAssignedNodeWithItsTokensAreRefused() {
    start(offloadNode(freshDir(), new JsonObject()));
    node.storage().worker().pause();
    put("guarded", value("g", 1000));
    String nodeId = node.nodeId();
    String session = node.storage().session().token();
    Vertx vertx = node.vertx();
    // An impostor without the node's session token gets nothing and changes nothing.
    TaskAssignments stolen = (TaskAssignments) request(vertx, TaskFetch.newBuilder().setNodeId(nodeId).setToken("x")
        .setMax(10).build());
    assertEquals(ErrorCode.ILLEGAL_CLIENT, stolen.getCode());
    TaskAssignments mine = (TaskAssignments) request(vertx, TaskFetch.newBuilder().setNodeId(nodeId).setToken(session)
        .setMax(10).build());
    TaskAssignment task = mine.getTasks(0);
    TaskReportReply forged = (TaskReportReply) request(vertx, TaskReport.newBuilder().setNodeId(nodeId)
        .setToken(session).addOutcomes(TaskOutcome.newBuilder().setTaskId(task.getTaskId())
            .setTaskToken("0".repeat(32)).setSuccess(true)).build());
    assertEquals(1, forged.getRefused(), "a guessed task token");
    TaskReportReply wrongNode = (TaskReportReply) request(vertx, TaskReport.newBuilder().setNodeId("other-node")
        .setToken(session).addOutcomes(TaskOutcome.newBuilder().setTaskId(task.getTaskId())
            .setTaskToken(task.getTaskToken()).setSuccess(true)).build());
    assertEquals(ErrorCode.ILLEGAL_CLIENT, wrongNode.getCode(), "another node's name with this node's token");
    DiskObjectsReply injected = (DiskObjectsReply) request(vertx, DiskObjects.newBuilder().setNodeId(nodeId).setToken("x")
        .addKeys(ByteString.copyFromUtf8("planted")).addSizes(10).build());
    assertEquals(ErrorCode.ILLEGAL_CLIENT, injected.getCode(), "no disk object can be planted without the session");
    assertEquals(List.of(ReplicaType.MEMORY), replicaTypes("guarded"), "no replica was created");
    assertEquals(1, livePins());
    assertTrue(node.master().board().refused() >= 1);
  }

  @Test
  void loadBuffersRefuseOtherOwnersGuessedIdsAndBadSizesAndGcForgottenBatches() {
    start(offloadNode(freshDir(), new JsonObject().put("load_buffer_gc_ttl_ms", 200)));
    put("buffered", value("b", 10_000));
    Await.until("an SSD replica", Duration.ofSeconds(30), () -> replicaTypes("buffered").contains(ReplicaType.LOCAL_DISK));
    Vertx vertx = node.vertx();
    String ssd = Addresses.ssd(node.nodeId());
    LoadBuffers buffers = node.storage().ssd().buffers();
    ByteString key = ByteString.copyFrom(io.kvcache.replica.KeyCodec.encode("", "buffered"));
    for (long bad : new long[] {-1, 0, 17L << 20, Long.MAX_VALUE}) {
      SsdLoadedBatch refused = (SsdLoadedBatch) requestTo(vertx, ssd, SsdLoadToBuffers.newBuilder().setOwner("a")
          .addKeys(key).addSizes(bad).build());
      assertEquals(ErrorCode.INVALID_PARAMS, refused.getCode(), "size " + bad);
    }
    assertEquals(0, buffers.usedBytes(), "bad sizes allocated nothing");
    SsdLoadedBatch batch = (SsdLoadedBatch) requestTo(vertx, ssd, SsdLoadToBuffers.newBuilder().setOwner("a")
        .addKeys(key).addSizes(10_000).build());
    assertEquals(ErrorCode.OK, batch.getResults(0).getCode());
    assertEquals(32, batch.getBatchId().length(), "128-bit id");
    assertEquals(node.options().node().name(), batch.getDataName(), "what a reader elsewhere authenticates for");
    SsdReleaseReply other = (SsdReleaseReply) requestTo(vertx, ssd, SsdReleaseBuffers.newBuilder()
        .setBatchId(batch.getBatchId()).setOwner("b").build());
    assertEquals(ErrorCode.ILLEGAL_CLIENT, other.getCode());
    SsdReleaseReply guessed = (SsdReleaseReply) requestTo(vertx, ssd, SsdReleaseBuffers.newBuilder()
        .setBatchId("0".repeat(31) + "1").setOwner("a").build());
    assertEquals(ErrorCode.TASK_NOT_FOUND, guessed.getCode());
    Await.until("the GC to reclaim the forgotten batch", Duration.ofSeconds(30), () -> buffers.liveBatches() == 0);
    assertTrue(buffers.gcReclaims() >= 1);
    assertEquals(0, buffers.usedBytes());
  }

  @Test
  void aRestartedNodeBringsItsSsdObjectsBackAsDiskOnly() {
    Path dir = freshDir();
    start(offloadNode(dir, new JsonObject()));
    ByteString a = value("survivor-a", 50_000), b = value("survivor-b", 70_000);
    put("survivor-a", a);
    put("survivor-b", b);
    Await.until("both on SSD", Duration.ofSeconds(30), () -> replicaTypes("survivor-a").contains(ReplicaType.LOCAL_DISK)
        && replicaTypes("survivor-b").contains(ReplicaType.LOCAL_DISK));
    stop();
    start(offloadNode(dir, new JsonObject()));
    Await.until("re-registered", Duration.ofSeconds(30),
        () -> replicaTypes("survivor-a").equals(List.of(ReplicaType.LOCAL_DISK))
            && replicaTypes("survivor-b").equals(List.of(ReplicaType.LOCAL_DISK)));
    assertEquals(a, await(client.get(GetRequest.newBuilder().setKey("survivor-a").build())).getValue());
    assertEquals(b, await(client.get(GetRequest.newBuilder().setKey("survivor-b").build())).getValue());
  }

  /** A request to the task board of the master, which runs on this test's one node. */
  private Message request(Vertx vertx, Message body) {
    return requestTo(vertx, Addresses.tasks(node.nodeId()), body);
  }

  private static Message requestTo(Vertx vertx, String address, Message body) {
    return TestNodes.await(vertx.eventBus().<Message>request(address, body).map(m -> m.body()));
  }
}
