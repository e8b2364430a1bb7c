package io.kvcache.e2e;

import io.kvcache.app.Node;
import io.kvcache.proto.v1.*;
import io.kvcache.testing.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static io.kvcache.testing.TestNodes.await;
import static io.kvcache.testing.Values.value;
import static org.junit.jupiter.api.Assertions.*;

/** A node with a 16 MiB segment: filling it up, and what /metrics and /health show. */
class SmallSegmentTest {
  private static Node node;
  private static Vertx clientVertx;
  private static KvStoreGrpcClient client;

  @BeforeAll
  static void start() {
    node = TestNodes.start(TestNodes.singleNode("16MiB"));
    clientVertx = Vertx.vertx();
    client = TestNodes.client(clientVertx, node.grpcPort());
  }

  @AfterAll
  static void stop() {
    TestNodes.stop(node);
    TestNodes.close(clientVertx);
  }

  @Test
  void fullSegmentOfHardPinnedObjectsAnswersNoAvailableHandleAndRecoversAfterRemoval() {
    ReplicateConfig hardPin = ReplicateConfig.newBuilder().setHardPin(true).build();
    int stored = 0;
    ErrorCode last = ErrorCode.OK;
    for (int i = 0; i < 64 && last == ErrorCode.OK; i++) { // 64 x 1 MiB cannot fit in 16 MiB, and none may be evicted
      last = await(client.put(PutRequest.newBuilder().setKey("fill-" + i).setValue(value("fill", 1 << 20))
          .setConfig(hardPin).build())).getCode();
      stored += last == ErrorCode.OK ? 1 : 0;
    }
    assertEquals(ErrorCode.NO_AVAILABLE_HANDLE, last);
    assertTrue(stored >= 12 && stored <= 16, "stored " + stored + " MiB in a 16 MiB segment");
    assertEquals(ErrorCode.OK, await(client.remove(RemoveRequest.newBuilder().setKey("fill-0").build())).getCode());
    assertEquals(ErrorCode.OK, await(client.put(PutRequest.newBuilder().setKey("after").setValue(value("fill", 1 << 20)).build())).getCode(),
        "space freed by a remove is reused");
    assertTrue(await(client.removeAll(RemoveAllRequest.newBuilder().setForce(true).build())).getRemoved() >= stored);
  }

  @Test
  void evictionMakesRoomForPutsBeyondCapacity() {
    int puts = 64; // 64 MiB through a 16 MiB segment
    for (int i = 0; i < puts; i++) {
      assertEquals(ErrorCode.OK, await(client.put(PutRequest.newBuilder().setKey("churn-" + i)
          .setValue(value("churn-" + i, 1 << 20)).build())).getCode(), "put " + i);
    }
    assertEquals(value("churn-63", 1 << 20), await(client.get(GetRequest.newBuilder().setKey("churn-63").build())).getValue(),
        "the newest object survives");
    assertEquals(ErrorCode.OBJECT_NOT_FOUND, await(client.get(GetRequest.newBuilder().setKey("churn-0").build())).getCode(),
        "the oldest was evicted");
    await(client.removeAll(RemoveAllRequest.newBuilder().setForce(true).build()));
  }

  @Test
  void metricsAndHealthAreServed() {
    await(client.put(PutRequest.newBuilder().setKey("metered").setValue(value("m", 1000)).build()));
    await(client.get(GetRequest.newBuilder().setKey("metered").build()));
    HttpClient http = clientVertx.createHttpClient();
    String metrics = await(http.request(HttpMethod.GET, node.metricsPort(), TestNodes.HOST, "/metrics")
        .compose(req -> req.send().compose(resp -> resp.body())).map(Object::toString));
    for (String meter : new String[] {"kvstore_gateway_requests_total{op=\"put\"", "kvstore_gateway_bytes_in_total",
        "kvstore_gateway_bytes_out_total", "kvstore_alloc_capacity_bytes", "kvstore_alloc_used_bytes",
        "kvstore_replica_objects", "kvstore_segment_capacity_bytes", "kvstore_gateway_failures_total",
        "kvstore_replica_put_start_alloc_failures_total"}) {
      assertTrue(metrics.contains(meter), "missing " + meter);
    }
    JsonObject health = await(http.request(HttpMethod.GET, node.metricsPort(), TestNodes.HOST, "/health")
        .compose(req -> req.send().compose(resp -> resp.body())).map(b -> new JsonObject(b)));
    assertEquals("UP", health.getString("status"));
  }
}
