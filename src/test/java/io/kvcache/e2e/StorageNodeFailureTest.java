package io.kvcache.e2e;

import com.google.protobuf.ByteString;
import io.kvcache.app.Node;
import io.kvcache.master.MasterRole;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.GetReply;
import io.kvcache.proto.v1.GetRequest;
import io.kvcache.proto.v1.KvStoreGrpcClient;
import io.kvcache.proto.v1.PutReply;
import io.kvcache.proto.v1.PutRequest;
import io.kvcache.proto.v1.ReplicateConfig;
import io.kvcache.testing.Await;
import io.kvcache.testing.ChildNode;
import io.kvcache.testing.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.kvcache.testing.Values.value;
import static org.junit.jupiter.api.Assertions.*;

/** Fail fast, fail over, one membership truth: a storage node (a child JVM) killed or frozen under load. */
@Timeout(180)
class StorageNodeFailureTest {
  private static final Path DIR = Path.of(System.getProperty("kv.test.dir", "target/test-data"));
  private final List<Node> nodes = new ArrayList<>();
  private Vertx clientVertx;

  @AfterEach
  void stop() {
    nodes.forEach(TestNodes::stop);
    TestNodes.close(clientVertx);
  }

  private static PutRequest put(String key, ByteString v, int replicas, String... segments) {
    return PutRequest.newBuilder().setKey(key).setValue(v).setConfig(ReplicateConfig.newBuilder()
        .setReplicaNum(replicas).addAllPreferredSegments(List.of(segments))).build();
  }

  private static GetRequest get(String key) {
    return GetRequest.newBuilder().setKey(key).build();
  }

  @Test
  void callsWaitingOnAKilledNodeFailFastAndReadsFallOverToAnotherReplica() throws Exception {
    String cluster = TestNodes.uniqueCluster();
    List<Integer> ports = List.of(TestNodes.freePort(), TestNodes.freePort(), TestNodes.freePort());
    // A: master and gateway, no memory of its own (so every read crosses to a storage node); E and D: storage.
    Node a = TestNodes.start(TestNodes.config(cluster, "node-a", ports.get(0), ports, List.of("master", "gateway"), "0B"));
    nodes.add(a);
    nodes.add(TestNodes.start(TestNodes.config(cluster, "node-e", ports.get(1), ports, List.of("storage"), "128MiB")));
    try (ChildNode d = ChildNode.start(TestNodes.config(cluster, "node-d", ports.get(2), ports, List.of("storage"),
        "128MiB"), DIR)) {
      Await.until("both storage nodes mounted", Duration.ofSeconds(60),
          () -> a.master().segments().snapshot().length == 2);
      clientVertx = Vertx.vertx();
      KvStoreGrpcClient viaA = TestNodes.client(clientVertx, a.grpcPort());
      List<String> keys = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        keys.add("two-" + i);
        // d first: readers try the replicas in the order listed
        assertEquals(ErrorCode.OK, TestNodes.await(viaA.put(put("two-" + i, value("two-" + i, 100_000), 2, "node-d",
            "node-e"))).getCode());
      }
      d.freeze(); // everything sent to d from now on waits
      List<Future<GetReply>> reads = new ArrayList<>();
      keys.forEach(k -> reads.add(viaA.get(get(k))));
      Future<PutReply> doomed = viaA.put(put("doomed", value("doomed", 8 << 20), 1, "node-d"));
      Await.until("the put has its replica and is writing to the frozen node", Duration.ofSeconds(30),
          () -> a.master().shards().sum(io.kvcache.replica.Shard::processingCount) == 1);
      assertFalse(doomed.isComplete(), "the put waits on the frozen node");
      long killed = System.nanoTime();
      d.kill();
      PutReply put = doomed.await(30, TimeUnit.SECONDS);
      long putMs = (System.nanoTime() - killed) / 1_000_000;
      assertNotEquals(ErrorCode.OK, put.getCode());
      assertNotEquals(ErrorCode.OBJECT_NOT_FOUND, put.getCode(), "a put whose target vanished is a put error");
      assertTrue(putMs < 10_000, "the put failed " + putMs + " ms after the kill, not after the request timeout");
      for (int i = 0; i < keys.size(); i++) {
        GetReply got = reads.get(i).await(30, TimeUnit.SECONDS);
        assertEquals(ErrorCode.OK, got.getCode(), keys.get(i));
        assertEquals(value(keys.get(i), 100_000), got.getValue(), "read from the replica on e");
      }
      System.out.println("storage node killed: the waiting put failed (" + put.getCode() + ") " + putMs
          + " ms after the kill; every waiting get read the other replica");
    }
  }

  @Test
  void aStorageNodeFrozenPastTheHeartbeatTimeoutIsUnmountedWhileApartAndMountsCleanlyWhenBack() throws Exception {
    String cluster = TestNodes.uniqueCluster();
    // The larger port for the master: on a tie in size, the side whose address compares greater merges into the other,
    // so it is the master's side that merges back (the harder case: it must keep its state through the merge).
    int p1 = TestNodes.freePort(), p2 = TestNodes.freePort();
    List<Integer> ports = List.of(Math.max(p1, p2), Math.min(p1, p2));
    Node a = TestNodes.start(TestNodes.config(cluster, "node-a", ports.get(0), ports,
        List.of("master", "storage", "gateway"), "64MiB"));
    nodes.add(a);
    try (ChildNode d = ChildNode.start(TestNodes.config(cluster, "node-d", ports.get(1), ports, List.of("storage"),
        "64MiB"), DIR)) {
      Await.until("d mounted", Duration.ofSeconds(60), () -> a.master().segments().snapshot().length == 2);
      clientVertx = Vertx.vertx();
      KvStoreGrpcClient viaA = TestNodes.client(clientVertx, a.grpcPort());
      assertEquals(ErrorCode.OK, TestNodes.await(viaA.put(put("on-d", value("on-d", 1000), 1, "node-d"))).getCode());
      long term = a.master().term();

      d.freeze();
      try {
        MasterRole master = a.master();
        // Until the cluster drops it, the frozen node is still a member: it must not hold the master up (its copy of
        // the lease is asynchronous), so the master serves all along and puts that do not target it succeed.
        ClusterManager members = ((VertxInternal) a.vertx()).clusterManager();
        int[] whileMember = {0};
        Await.until("the cluster drops the frozen node and the master unmounts it", Duration.ofSeconds(30), () -> {
          assertTrue(a.masterSupervisor().serving(), "the master serves while a frozen node is still a member");
          String key = "while-member-" + whileMember[0]++;
          assertEquals(ErrorCode.OK, TestNodes.await(viaA.put(put(key, value(key, 1000), 1, "node-a"))).getCode(),
              key);
          return members.getNodes().size() == 1 && master.segments().byName("node-d") == null;
        });
        assertTrue(whileMember[0] > 10, "puts all along the freeze, " + whileMember[0]);
        assertEquals(term, a.master().term(), "the master kept serving through the freeze");
        for (int i = 0; i < 10; i++) { // puts through the healthy gateway never fail because of it
          assertEquals(ErrorCode.OK, TestNodes.await(viaA.put(put("during-" + i, value("during-" + i, 1000), 1)))
              .getCode());
        }
      } finally {
        d.thaw();
      }
      Await.until("d is one cluster with a again and mounted afresh", Duration.ofSeconds(30),
          () -> a.master() != null && a.master().segments().byName("node-d") != null);
      assertEquals(term, a.master().term(), "the master kept its lease (and its objects) through the merge");
      assertEquals(ErrorCode.OBJECT_NOT_FOUND, TestNodes.await(viaA.get(get("on-d"))).getCode(),
          "cleanly unmounted: what it held is gone");
      assertEquals(ErrorCode.OK, TestNodes.await(viaA.put(put("after", value("after", 1000), 1, "node-d"))).getCode());
      assertEquals(value("after", 1000), TestNodes.await(viaA.get(get("after"))).getValue());
      for (int i = 0; i < 10; i++) {
        assertEquals(value("during-" + i, 1000), TestNodes.await(viaA.get(get("during-" + i))).getValue());
      }
    }
  }
}
