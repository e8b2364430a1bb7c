package io.kvcache.e2e;

import com.google.protobuf.ByteString;
import io.kvcache.app.Node;
import io.kvcache.proto.v1.*;
import io.kvcache.testing.Await;
import io.kvcache.testing.ChildNode;
import io.kvcache.testing.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static io.kvcache.testing.Values.value;
import static org.junit.jupiter.api.Assertions.*;

/** Two nodes clustered over loopback in this JVM: node A runs master+storage+gateway, node B storage+gateway. */
class TwoNodeClusterTest {
  private Node a;
  private Node b;
  private Vertx clientVertx;

  @AfterEach
  void stop() {
    TestNodes.stop(b);
    TestNodes.stop(a);
    TestNodes.close(clientVertx);
  }

  private static <T> T await(io.vertx.core.Future<T> f) {
    return TestNodes.await(f);
  }

  @Test
  void bytesCrossNodesAndObjectsOfALostNodeDisappear() {
    String cluster = TestNodes.uniqueCluster();
    int portA = TestNodes.freePort(), portB = TestNodes.freePort();
    List<Integer> members = List.of(portA, portB);
    JsonObject configA = TestNodes.config(cluster, "node-a", portA, members, List.of("master", "storage", "gateway"), "256MiB");
    JsonObject configB = TestNodes.config(cluster, "node-b", portB, members, List.of("storage", "gateway"), "256MiB");
    a = TestNodes.start(configA);
    b = TestNodes.start(configB);
    Await.until("both segments mounted", Duration.ofSeconds(60),
        () -> a.master().segments().snapshot().length == 2);
    clientVertx = Vertx.vertx();
    KvStoreGrpcClient viaA = TestNodes.client(clientVertx, a.grpcPort());
    KvStoreGrpcClient viaB = TestNodes.client(clientVertx, b.grpcPort());

    // A put through B lands on A's segment, and the other way round.
    ByteString onA = value("on-a", 1 << 20), onB = value("on-b", 1 << 20);
    assertEquals(ErrorCode.OK, await(viaB.put(put("on-a", onA, "node-a"))).getCode());
    assertEquals(ErrorCode.OK, await(viaA.put(put("on-b", onB, "node-b"))).getCode());
    assertEquals("node-a", segmentOf(viaA, "on-a"));
    assertEquals("node-b", segmentOf(viaB, "on-b"));

    // Either gateway returns identical bytes for either object.
    for (KvStoreGrpcClient via : List.of(viaA, viaB)) {
      assertEquals(onA, await(via.get(GetRequest.newBuilder().setKey("on-a").build())).getValue());
      assertEquals(onB, await(via.get(GetRequest.newBuilder().setKey("on-b").build())).getValue());
    }
    // A batch through B mixing both nodes.
    List<GetItem> items = Streams.items(clientVertx,
        () -> viaB.batchGet(BatchGetRequest.newBuilder().addKeys("on-b").addKeys("on-a").build()));
    assertEquals(onB, items.get(0).getValue());
    assertEquals(onA, items.get(1).getValue());

    // Node B goes away: its objects disappear, A's stay.
    TestNodes.stop(b);
    b = null;
    Await.until("node-b's segment unmounted", Duration.ofSeconds(60),
        () -> a.master().segments().snapshot().length == 1);
    assertEquals(ErrorCode.OBJECT_NOT_FOUND, await(viaA.get(GetRequest.newBuilder().setKey("on-b").build())).getCode());
    assertEquals(onA, await(viaA.get(GetRequest.newBuilder().setKey("on-a").build())).getValue());
    assertFalse(await(viaA.batchExists(BatchExistsRequest.newBuilder().addKeys("on-b").build())).getExists(0));
  }

  @Test
  void nodeKilledWithoutWarningLosesItsSegmentAndObjects() throws Exception {
    String cluster = TestNodes.uniqueCluster();
    int portA = TestNodes.freePort(), portB = TestNodes.freePort();
    List<Integer> members = List.of(portA, portB);
    a = TestNodes.start(TestNodes.config(cluster, "node-a", portA, members, List.of("master", "storage", "gateway"), "64MiB"));
    JsonObject configB = TestNodes.config(cluster, "node-b", portB, members, List.of("storage", "gateway"), "64MiB");
    try (ChildNode childB = ChildNode.start(configB, Path.of(System.getProperty("kv.test.dir", "target/test-data")))) {
      Await.until("node-b's segment mounted", Duration.ofSeconds(60),
          () -> a.master().segments().snapshot().length == 2);
      clientVertx = Vertx.vertx();
      KvStoreGrpcClient viaA = TestNodes.client(clientVertx, a.grpcPort());
      ByteString v = value("doomed", 100_000);
      assertEquals(ErrorCode.OK, await(viaA.put(put("doomed", v, "node-b"))).getCode());
      assertEquals(ErrorCode.OK, await(viaA.put(put("survivor", v, "node-a"))).getCode());
      assertEquals("node-b", segmentOf(viaA, "doomed"));
      assertEquals(v, await(viaA.get(GetRequest.newBuilder().setKey("doomed").build())).getValue());

      childB.kill();
      Await.until("the master notices node-b is gone", Duration.ofSeconds(60),
          () -> a.master().segments().snapshot().length == 1);
      assertEquals(ErrorCode.OBJECT_NOT_FOUND, await(viaA.get(GetRequest.newBuilder().setKey("doomed").build())).getCode());
      assertEquals(v, await(viaA.get(GetRequest.newBuilder().setKey("survivor").build())).getValue());
    }
  }

  @Test
  void frozenNodeLosesItsSegmentByMissedHeartbeatsAndRemountsWhenItComesBack() throws Exception {
    String cluster = TestNodes.uniqueCluster();
    int portA = TestNodes.freePort(), portB = TestNodes.freePort();
    List<Integer> members = List.of(portA, portB);
    // Hazelcast would need a minute to drop a silent member; our TTL is 1.5 s of missed 200 ms heartbeats.
    JsonObject liveness = new JsonObject().put("heartbeat_interval_ms", 200).put("client_live_ttl_ms", 1500)
        .put("cluster_heartbeat_timeout_ms", 60_000);
    a = TestNodes.start(TestNodes.config(cluster, "node-a", portA, members, List.of("master", "storage", "gateway"), "64MiB")
        .mergeIn(liveness));
    JsonObject configB = TestNodes.config(cluster, "node-b", portB, members, List.of("storage"), "64MiB").mergeIn(liveness);
    try (ChildNode childB = ChildNode.start(configB, Path.of(System.getProperty("kv.test.dir", "target/test-data")))) {
      Await.until("node-b mounted", Duration.ofSeconds(60), () -> a.master().segments().snapshot().length == 2);
      clientVertx = Vertx.vertx();
      KvStoreGrpcClient viaA = TestNodes.client(clientVertx, a.grpcPort());
      assertEquals(ErrorCode.OK, await(viaA.put(put("on-frozen", value("f", 1000), "node-b"))).getCode());

      childB.freeze();
      Await.until("node-b expired by missed heartbeats", Duration.ofSeconds(30),
          () -> a.master().segments().snapshot().length == 1);
      assertEquals(ErrorCode.OBJECT_NOT_FOUND, await(viaA.get(GetRequest.newBuilder().setKey("on-frozen").build())).getCode());

      childB.thaw();
      Await.until("node-b mounted again", Duration.ofSeconds(30),
          () -> a.master().segments().snapshot().length == 2);
      assertEquals(ErrorCode.OK, await(viaA.put(put("after-thaw", value("t", 1000), "node-b"))).getCode());
      assertEquals("node-b", segmentOf(viaA, "after-thaw"));
      assertEquals(value("t", 1000), await(viaA.get(GetRequest.newBuilder().setKey("after-thaw").build())).getValue());
    }
  }

  private static PutRequest put(String key, ByteString value, String preferredSegment) {
    return PutRequest.newBuilder().setKey(key).setValue(value)
        .setConfig(ReplicateConfig.newBuilder().addPreferredSegments(preferredSegment)).build();
  }

  private static String segmentOf(KvStoreGrpcClient via, String key) {
    GetReplicaListReply list = await(via.getReplicaList(GetReplicaListRequest.newBuilder().setKey(key).build()));
    assertEquals(ErrorCode.OK, list.getCode());
    assertEquals(1, list.getReplicasCount());
    return list.getReplicas(0).getSegmentName();
  }
}
