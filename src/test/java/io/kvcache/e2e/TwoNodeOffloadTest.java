package io.kvcache.e2e;

import com.google.protobuf.ByteString;
import io.kvcache.app.Node;
import io.kvcache.proto.v1.*;
import io.kvcache.ssd.load.LoadBuffers;
import io.kvcache.testing.Await;
import io.kvcache.testing.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.kvcache.testing.Values.value;
import static org.junit.jupiter.api.Assertions.*;

/** Offload on two nodes: the object's SSD copy is on node B; a get through node A pulls it from B's load buffers. */
class TwoNodeOffloadTest {
  private Node a;
  private Node b;
  private Vertx clientVertx;

  @AfterEach
  void stop() {
    TestNodes.stop(b);
    TestNodes.stop(a);
    TestNodes.close(clientVertx);
  }

  @Test
  void aValueOnAnotherNodesSsdIsReadThroughItsLoadBuffersAndReleasedEarly() {
    String cluster = TestNodes.uniqueCluster();
    int portA = TestNodes.freePort(), portB = TestNodes.freePort();
    List<Integer> members = List.of(portA, portB);
    JsonObject offload = new JsonObject().put("enable_offload", true).put("load_buffer_size", "16MiB")
        .put("heartbeat_interval_ms", 100).put("lease_ttl_ms", 300);
    a = TestNodes.start(TestNodes.config(cluster, "node-a", portA, members, List.of("master", "storage", "gateway"), "32MiB")
        .mergeIn(offload).put("ssd_dir", OffloadEndToEndTest.freshDir().toString()));
    b = TestNodes.start(TestNodes.config(cluster, "node-b", portB, members, List.of("storage", "gateway"), "32MiB")
        .mergeIn(offload).put("ssd_dir", OffloadEndToEndTest.freshDir().toString()));
    Await.until("both segments mounted", Duration.ofSeconds(60), () -> a.master().segments().snapshot().length == 2);
    clientVertx = Vertx.vertx();
    KvStoreGrpcClient viaA = TestNodes.client(clientVertx, a.grpcPort());

    ByteString v = value("on-b-ssd", 400_000);
    assertEquals(ErrorCode.OK, TestNodes.await(viaA.put(PutRequest.newBuilder().setKey("on-b-ssd").setValue(v)
        .setConfig(ReplicateConfig.newBuilder().addPreferredSegments("node-b")).build())).getCode());
    LoadBuffers bBuffers = b.storage().ssd().buffers();
    Await.until("the copy on node B's SSD", Duration.ofSeconds(30), () -> b.storage().ssd().store().objectCount() == 1);
    Await.until("evicted from DRAM (once the put's lease is over)", Duration.ofSeconds(30), () -> {
      a.master().evict(1.0, 1.0, true);
      return a.master().segments().allocatedBytes() == 0;
    });
    assertEquals(v, TestNodes.await(viaA.get(GetRequest.newBuilder().setKey("on-b-ssd").build())).getValue());
    Await.until("node B's batch released by the reader", Duration.ofSeconds(30), () -> bBuffers.usedBytes() == 0);
    assertEquals(1, bBuffers.earlyReleases());
    assertEquals(0, bBuffers.gcReclaims(), "released early, not reclaimed by the GC");
  }
}
