package io.kvcache.e2e;

import com.google.protobuf.ByteString;
import io.kvcache.app.Node;
import io.kvcache.proto.v1.*;
import io.kvcache.testing.Await;
import io.kvcache.testing.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static io.kvcache.testing.Values.value;
import static org.junit.jupiter.api.Assertions.*;

/** Copy, move and the task API across two nodes (in this JVM), and RemoveByRegex, through the gRPC API. */
class ReplicationEndToEndTest {
  private static Node a;
  private static Node b;
  private static Vertx clientVertx;
  private static KvStoreGrpcClient client;

  @BeforeAll
  static void start() {
    String cluster = TestNodes.uniqueCluster();
    int portA = TestNodes.freePort(), portB = TestNodes.freePort();
    List<Integer> members = List.of(portA, portB);
    var liveness = new io.vertx.core.json.JsonObject().put("heartbeat_interval_ms", 100).put("client_live_ttl_ms", 10_000);
    a = TestNodes.start(TestNodes.config(cluster, "node-a", portA, members, List.of("master", "storage", "gateway"),
        "64MiB").mergeIn(liveness));
    b = TestNodes.start(TestNodes.config(cluster, "node-b", portB, members, List.of("storage", "gateway"), "64MiB")
        .mergeIn(liveness));
    Await.until("both segments mounted", Duration.ofSeconds(60), () -> a.master().segments().snapshot().length == 2);
    clientVertx = Vertx.vertx();
    client = TestNodes.client(clientVertx, a.grpcPort());
  }

  @AfterAll
  static void stop() {
    TestNodes.stop(b);
    TestNodes.stop(a);
    TestNodes.close(clientVertx);
  }

  private static <T> T await(Future<T> f) {
    return TestNodes.await(f);
  }

  private static void put(String key, ByteString v, String segment) {
    assertEquals(ErrorCode.OK, await(client.put(PutRequest.newBuilder().setKey(key).setValue(v)
        .setConfig(ReplicateConfig.newBuilder().addPreferredSegments(segment)).build())).getCode());
  }

  private static Set<String> segmentsOf(String key) {
    GetReplicaListReply list = await(client.getReplicaList(GetReplicaListRequest.newBuilder().setKey(key).build()));
    assertEquals(ErrorCode.OK, list.getCode());
    return list.getReplicasList().stream().map(ReplicaDescriptor::getSegmentName).collect(Collectors.toSet());
  }

  @Test
  void clientDrivenCopyPublishesTheTargetOnlyAtEnd() {
    ByteString v = value("copy-me", 200_000);
    put("copy-me", v, "node-a");
    ReplicationStartReply started = await(client.copyStart(CopyStartRequest.newBuilder().setKey("copy-me")
        .setSourceSegment("node-a").addTargetSegments("node-b").build()));
    assertEquals(ErrorCode.OK, started.getCode());
    assertEquals(Set.of("node-a"), segmentsOf("copy-me"), "the target is invisible while being written");
    ReadSliceReply bytes = await(client.readSlice(ReadSliceRequest.newBuilder().setKey("copy-me")
        .setReplicaId(started.getSource().getReplicaId()).setOffset(0).setLength(v.size()).build()));
    assertEquals(v, bytes.getData());
    assertEquals(ErrorCode.OK, await(client.writeSlice(WriteSliceRequest.newBuilder().setKey("copy-me")
        .setReplicaId(started.getTargets(0).getReplicaId()).setOffset(0).setData(bytes.getData()).build())).getCode());
    assertEquals(ErrorCode.OBJECT_HAS_REPLICATION_TASK, await(client.copyStart(CopyStartRequest.newBuilder()
        .setKey("copy-me").setSourceSegment("node-a").addTargetSegments("node-b").build())).getCode());
    assertEquals(ErrorCode.OK, await(client.copyEnd(ReplicationKey.newBuilder().setKey("copy-me").build())).getCode());
    assertEquals(Set.of("node-a", "node-b"), segmentsOf("copy-me"));
    assertEquals(ErrorCode.OBJECT_NO_REPLICATION_TASK,
        await(client.copyEnd(ReplicationKey.newBuilder().setKey("copy-me").build())).getCode());
  }

  @Test
  void tasksRunOnTheSourceNodeAndAreQueryable() {
    ByteString v = value("tasked", 300_000);
    put("tasked", v, "node-a");
    CreateTaskReply copy = await(client.createCopyTask(CreateCopyTaskRequest.newBuilder().setKey("tasked")
        .addTargetSegments("node-b").build()));
    assertEquals(ErrorCode.OK, copy.getCode());
    awaitTask(copy.getTaskId());
    assertEquals(Set.of("node-a", "node-b"), segmentsOf("tasked"));

    CreateTaskReply move = await(client.createMoveTask(CreateMoveTaskRequest.newBuilder().setKey("moved")
        .setSourceSegment("node-a").setTargetSegment("node-b").build()));
    assertEquals(ErrorCode.OBJECT_NOT_FOUND, move.getCode(), "no such object");
    put("moved", v, "node-a");
    move = await(client.createMoveTask(CreateMoveTaskRequest.newBuilder().setKey("moved")
        .setSourceSegment("node-a").setTargetSegment("node-b").build()));
    awaitTask(move.getTaskId());
    assertEquals(Set.of("node-b"), segmentsOf("moved"));
    assertEquals(v, await(client.get(GetRequest.newBuilder().setKey("moved").build())).getValue());

    assertEquals(ErrorCode.TASK_NOT_FOUND,
        await(client.queryTask(QueryTaskRequest.newBuilder().setTaskId("0".repeat(32)).build())).getCode());
    assertEquals(ErrorCode.INVALID_PARAMS, await(client.createCopyTask(CreateCopyTaskRequest.newBuilder()
        .setKey("tasked").addTargetSegments("no-such-segment").build())).getCode());
  }

  private static void awaitTask(String id) {
    Await.until("task " + id + " finished", Duration.ofSeconds(30), () -> {
      TaskStatus status = await(client.queryTask(QueryTaskRequest.newBuilder().setTaskId(id).build())).getStatus();
      assertNotEquals(TaskStatus.TASK_FAILED, status);
      return status == TaskStatus.TASK_SUCCEEDED;
    });
  }

  @Test
  void removeByRegexIsSubstringSearchWithinTheNamespace() {
    for (String key : List.of("layer-1/page-a", "layer-1/page-b", "layer-2/page-a")) {
      assertEquals(ErrorCode.OK, await(client.put(PutRequest.newBuilder().setNamespace("rx").setKey(key)
          .setValue(value(key, 100)).build())).getCode());
    }
    assertEquals(ErrorCode.OK, await(client.put(PutRequest.newBuilder().setNamespace("other").setKey("layer-1/page-a")
        .setValue(value("o", 100)).build())).getCode());
    RemoveByRegexReply removed = await(client.removeByRegex(RemoveByRegexRequest.newBuilder().setNamespace("rx")
        .setRegex("er-1/").build()));
    assertEquals(ErrorCode.OK, removed.getCode());
    assertEquals(2, removed.getRemoved());
    assertEquals(List.of(false, false, true), await(client.batchExists(BatchExistsRequest.newBuilder().setNamespace("rx")
        .addKeys("layer-1/page-a").addKeys("layer-1/page-b").addKeys("layer-2/page-a").build())).getExistsList());
    assertTrue(await(client.batchExists(BatchExistsRequest.newBuilder().setNamespace("other")
        .addKeys("layer-1/page-a").build())).getExists(0), "other namespaces are untouched");
    assertEquals(ErrorCode.INVALID_PARAMS, await(client.removeByRegex(RemoveByRegexRequest.newBuilder()
        .setNamespace("rx").setRegex("(unclosed").build())).getCode());
    // leased keys stay unless forced
    assertEquals(0, await(client.removeByRegex(RemoveByRegexRequest.newBuilder().setNamespace("rx")
        .setRegex("page").build())).getRemoved(), "layer-2/page-a holds a lease from the exists above");
    assertEquals(1, await(client.removeByRegex(RemoveByRegexRequest.newBuilder().setNamespace("rx")
        .setRegex("page").setForce(true).build())).getRemoved());
  }
}
