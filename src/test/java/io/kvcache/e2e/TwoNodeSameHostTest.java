package io.kvcache.e2e;

import com.google.protobuf.ByteString;
import io.kvcache.app.Node;
import io.kvcache.client.BufferRange;
import io.kvcache.client.ClientOptions;
import io.kvcache.client.GetIntoResult;
import io.kvcache.client.KvStoreClient;
import io.kvcache.client.RegisteredBuffer;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.GetReplicaListReply;
import io.kvcache.proto.v1.GetReplicaListRequest;
import io.kvcache.proto.v1.KvStoreGrpcClient;
import io.kvcache.proto.v1.PutRequest;
import io.kvcache.proto.v1.ReplicateConfig;
import io.kvcache.testing.Await;
import io.kvcache.testing.TestNodes;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static io.kvcache.testing.Values.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The same-host path of node A reaching node B's segment: BatchGetInto through A of values whose only replica is on B
 * (read from B into the client's buffer), and BatchPutFrom through A of values placed on B.
 */
class TwoNodeSameHostTest {
  private static final int SIZE = 256 << 10;
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
  void registeredBufferOfNodeAReachesReplicasOnNodeB() {
    String cluster = TestNodes.uniqueCluster();
    int portA = TestNodes.freePort(), portB = TestNodes.freePort();
    List<Integer> members = List.of(portA, portB);
    a = TestNodes.start(TestNodes.config(cluster, "node-a", portA, members, List.of("master", "storage", "gateway"),
        "128MiB"));
    b = TestNodes.start(TestNodes.config(cluster, "node-b", portB, members, List.of("storage", "gateway"), "128MiB"));
    Await.until("both segments mounted", Duration.ofSeconds(60), () -> a.master().segments().snapshot().length == 2);
    clientVertx = Vertx.vertx();
    KvStoreGrpcClient viaB = TestNodes.client(clientVertx, b.grpcPort());
    ReplicateConfig onB = ReplicateConfig.newBuilder().addPreferredSegments("node-b").build();

    List<ByteString> values = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      values.add(value("remote-" + i, SIZE));
      assertEquals(ErrorCode.OK, TestNodes.await(viaB.put(PutRequest.newBuilder().setKey("remote-" + i)
          .setValue(values.get(i)).setConfig(onB).build())).getCode());
      assertEquals("node-b", segmentOf(viaB, "remote-" + i));
    }

    try (KvStoreClient viaA = KvStoreClient.open("unix:" + a.options().gateway().unixSocket(), ClientOptions.defaults())) {
      RegisteredBuffer buffer = viaA.registerBuffer(64L * SIZE).await();
      MemorySegment memory = buffer.memory();
      List<BufferRange> gets = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        gets.add(new BufferRange("remote-" + i, (long) (i * 2 + 1) * SIZE, SIZE));
      }
      gets.add(new BufferRange("absent", 0, SIZE));
      GetIntoResult got = viaA.batchGetInto(buffer, gets).await();
      List<ErrorCode> expected = new ArrayList<>(Collections.nCopies(16, ErrorCode.OK));
      expected.add(ErrorCode.OBJECT_NOT_FOUND);
      assertEquals(expected, got.codes());
      for (int i = 0; i < 16; i++) {
        assertEquals(SIZE, got.lengths()[i]);
        assertArrayEquals(values.get(i).toByteArray(),
            memory.asSlice((long) (i * 2 + 1) * SIZE, SIZE).toArray(ValueLayout.JAVA_BYTE), "value " + i);
      }

      // And the other way: from A's client buffer into B's segment.
      List<BufferRange> puts = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        MemorySegment.copy(value("pushed-" + i, SIZE).toByteArray(), 0, memory, ValueLayout.JAVA_BYTE,
            (long) (40 + i) * SIZE, SIZE);
        puts.add(new BufferRange("pushed-" + i, (long) (40 + i) * SIZE, SIZE));
      }
      assertEquals(Collections.nCopies(8, ErrorCode.OK), viaA.batchPutFrom(buffer, puts, onB).await());
      for (int i = 0; i < 8; i++) {
        assertEquals("node-b", segmentOf(viaB, "pushed-" + i));
        assertEquals(value("pushed-" + i, SIZE), TestNodes.await(viaB.get(
            io.kvcache.proto.v1.GetRequest.newBuilder().setKey("pushed-" + i).build())).getValue());
      }
    }
  }

  private static String segmentOf(KvStoreGrpcClient via, String key) {
    GetReplicaListReply list = TestNodes.await(via.getReplicaList(GetReplicaListRequest.newBuilder().setKey(key).build()));
    assertEquals(ErrorCode.OK, list.getCode());
    assertEquals(1, list.getReplicasCount());
    return list.getReplicas(0).getSegmentName();
  }
}
