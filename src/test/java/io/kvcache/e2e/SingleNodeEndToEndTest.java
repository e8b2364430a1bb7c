package io.kvcache.e2e;

import com.google.protobuf.ByteString;
import io.kvcache.app.Node;
import io.kvcache.proto.v1.*;
import io.kvcache.testing.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.grpc.client.InvalidStatusException;
import io.vertx.grpc.common.GrpcStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.kvcache.testing.Values.value;
import static org.junit.jupiter.api.Assertions.*;

/** One node with every role, driven through a real gRPC client on loopback. */
class SingleNodeEndToEndTest {
  private static Node node;
  private static Vertx clientVertx;
  private static KvStoreGrpcClient client;

  @BeforeAll
  static void startNode() {
    node = TestNodes.start(TestNodes.singleNode("1GiB"));
    clientVertx = Vertx.vertx();
    client = TestNodes.client(clientVertx, node.grpcPort());
  }

  @AfterAll
  static void stopNode() {
    TestNodes.stop(node);
    TestNodes.close(clientVertx);
  }

  private static <T> T await(io.vertx.core.Future<T> f) {
    return TestNodes.await(f);
  }

  @Test
  void aFreshSingleNodeTakesPutsAsSoonAsItsStartCompletes() {
    Node fresh = TestNodes.start(TestNodes.singleNode("64MiB"));
    Vertx freshClientVertx = Vertx.vertx();
    try {
      // Start waits for the segment's first mount: a put at once must not find the store without space.
      assertTrue(fresh.storage().isMounted(), "the segment is mounted when start completes");
      KvStoreGrpcClient freshClient = TestNodes.client(freshClientVertx, fresh.grpcPort());
      assertEquals(ErrorCode.OK, await(freshClient.put(PutRequest.newBuilder().setKey("at-once")
          .setValue(value("at-once", 100_000)).build())).getCode());
    } finally {
      TestNodes.stop(fresh);
      TestNodes.close(freshClientVertx);
    }
  }

  @Test
  void putGetExistsRemoveRoundTrip() {
    ByteString v = value("round-trip", 100_000);
    assertEquals(ErrorCode.OK, await(client.put(PutRequest.newBuilder().setKey("round-trip").setValue(v).build())).getCode());
    GetReply got = await(client.get(GetRequest.newBuilder().setKey("round-trip").build()));
    assertEquals(ErrorCode.OK, got.getCode());
    assertEquals(v, got.getValue());
    assertEquals(10_000, got.getLeaseTtlMs());
    BatchExistsReply exists = await(client.batchExists(BatchExistsRequest.newBuilder()
        .addKeys("round-trip").addKeys("never-written").build()));
    assertEquals(List.of(true, false), exists.getExistsList());
    assertEquals(ErrorCode.OK, await(client.remove(RemoveRequest.newBuilder().setKey("round-trip").setForce(true).build())).getCode());
    assertEquals(ErrorCode.OBJECT_NOT_FOUND, await(client.get(GetRequest.newBuilder().setKey("round-trip").build())).getCode());
    assertEquals(ErrorCode.OBJECT_NOT_FOUND, await(client.remove(RemoveRequest.newBuilder().setKey("round-trip").build())).getCode());
  }

  @Test
  void secondPutOfACompleteKeyIsRefused() {
    PutRequest put = PutRequest.newBuilder().setKey("twice").setValue(value("twice", 10)).build();
    assertEquals(ErrorCode.OK, await(client.put(put)).getCode());
    assertEquals(ErrorCode.OBJECT_ALREADY_EXISTS, await(client.put(put)).getCode());
  }

  @Test
  void namespacesSeparateEqualKeys() {
    ByteString a = value("ns-a", 64), b = value("ns-b", 64);
    assertEquals(ErrorCode.OK, await(client.put(PutRequest.newBuilder().setNamespace("a").setKey("k").setValue(a).build())).getCode());
    assertEquals(ErrorCode.OK, await(client.put(PutRequest.newBuilder().setNamespace("b").setKey("k").setValue(b).build())).getCode());
    assertEquals(a, await(client.get(GetRequest.newBuilder().setNamespace("a").setKey("k").build())).getValue());
    assertEquals(b, await(client.get(GetRequest.newBuilder().setNamespace("b").setKey("k").build())).getValue());
    assertEquals(ErrorCode.OBJECT_NOT_FOUND, await(client.get(GetRequest.newBuilder().setKey("k").build())).getCode());
  }

  @Test
  void batchCallsReportMixedResultsPerKey() {
    BatchPutReply put = await(client.batchPut(Streams.of(clientVertx, List.of(BatchPutChunk.newBuilder()
        .addItems(PutItem.newBuilder().setKey("mix-1").setValue(value("mix-1", 4096)))
        .addItems(PutItem.newBuilder().setKey("").setValue(value("empty-key", 10)))
        .addItems(PutItem.newBuilder().setKey("mix-3").setValue(ByteString.EMPTY))
        .addItems(PutItem.newBuilder().setKey("mix-4").setValue(value("mix-4", 8192)))
        .build()))));
    assertEquals(List.of(ErrorCode.OK, ErrorCode.INVALID_PARAMS, ErrorCode.INVALID_PARAMS, ErrorCode.OK),
        put.getCodesList());
    assertEquals(2, put.getStored());

    List<GetItem> got = Streams.items(clientVertx, () -> client.batchGet(BatchGetRequest.newBuilder()
        .addKeys("mix-1").addKeys("mix-missing").addKeys("").addKeys("mix-4").build()));
    assertEquals(4, got.size());
    assertEquals(ErrorCode.OK, got.get(0).getCode());
    assertEquals(value("mix-1", 4096), got.get(0).getValue());
    assertEquals(ErrorCode.OBJECT_NOT_FOUND, got.get(1).getCode());
    assertEquals(ErrorCode.INVALID_PARAMS, got.get(2).getCode());
    assertEquals(value("mix-4", 8192), got.get(3).getValue());

    BatchExistsReply exists = await(client.batchExists(BatchExistsRequest.newBuilder()
        .addKeys("mix-1").addKeys("mix-4").addKeys("mix-missing").addKeys("mix-1").build()));
    assertEquals(List.of(true, true, false, true), exists.getExistsList());
    assertEquals(2, exists.getLeadingHits(), "leading hits stop at the first miss");

    BatchRemoveReply removed = await(client.batchRemove(BatchRemoveRequest.newBuilder()
        .addKeys("mix-1").addKeys("mix-missing").addKeys("mix-4").setForce(true).build()));
    assertEquals(List.of(ErrorCode.OK, ErrorCode.OBJECT_NOT_FOUND, ErrorCode.OK), removed.getCodesList());
  }

  @Test
  void sixtyFourMiBValueRoundTrips() {
    ByteString big = value("big", 64 << 20);
    assertEquals(ErrorCode.OK, await(client.put(PutRequest.newBuilder().setKey("big-64m").setValue(big).build())).getCode());
    GetReply got = await(client.get(GetRequest.newBuilder().setKey("big-64m").build()));
    assertEquals(ErrorCode.OK, got.getCode());
    assertEquals(big, got.getValue());
    assertEquals(ErrorCode.OK, await(client.remove(RemoveRequest.newBuilder().setKey("big-64m").setForce(true).build())).getCode());
  }

  @Test
  void batchOf128ValuesOf4MiBStreamsBothWays() {
    int count = 128, size = 4 << 20;
    BatchPutReply put = await(client.batchPut(Streams.generated(clientVertx, count, i -> BatchPutChunk.newBuilder()
        .setNamespace("big-batch")
        .addItems(PutItem.newBuilder().setKey("page-" + i).setValue(value("page-" + i, size))).build())));
    assertEquals(count, put.getStored(), put.getCodesList().toString());
    BatchGetRequest.Builder get = BatchGetRequest.newBuilder().setNamespace("big-batch");
    for (int i = 0; i < count; i++) {
      get.addKeys("page-" + i);
    }
    int[] seen = {0};
    await(Streams.onContext(clientVertx, () -> client.batchGet(get.build()).compose(stream -> Streams.consume(stream,
        chunk -> {
          for (GetItem item : chunk.getItemsList()) {
            assertEquals(seen[0], item.getIndex(), "items arrive in request order");
            assertEquals(ErrorCode.OK, item.getCode());
            assertEquals(value("page-" + seen[0], size), item.getValue());
            seen[0]++;
          }
        }))));
    assertEquals(count, seen[0]);
    BatchRemoveRequest.Builder remove = BatchRemoveRequest.newBuilder().setNamespace("big-batch").setForce(true);
    get.getKeysList().forEach(remove::addKeys);
    assertTrue(await(client.batchRemove(remove.build())).getCodesList().stream().allMatch(c -> c == ErrorCode.OK));
  }

  @Test
  void leaseBlocksRemoveUntilForced() {
    assertEquals(ErrorCode.OK, await(client.put(PutRequest.newBuilder().setKey("leased").setValue(value("l", 10)).build())).getCode());
    assertEquals(ErrorCode.OK, await(client.get(GetRequest.newBuilder().setKey("leased").build())).getCode());
    assertEquals(ErrorCode.OBJECT_HAS_LEASE, await(client.remove(RemoveRequest.newBuilder().setKey("leased").build())).getCode());
    assertEquals(ErrorCode.OK, await(client.get(GetRequest.newBuilder().setKey("leased").build())).getCode(),
        "a refused remove changes nothing");
    assertEquals(ErrorCode.OK, await(client.remove(RemoveRequest.newBuilder().setKey("leased").setForce(true).build())).getCode());
  }

  @Test
  void badInputIsRefusedAndChangesNothing() {
    long allocatedBefore = node.master().segments().allocatedBytes();
    String tooLong = "k".repeat(4097);
    assertEquals(ErrorCode.INVALID_PARAMS, await(client.put(PutRequest.newBuilder().setKey("").setValue(value("x", 1)).build())).getCode());
    assertEquals(ErrorCode.INVALID_PARAMS, await(client.put(PutRequest.newBuilder().setKey(tooLong).setValue(value("x", 1)).build())).getCode());
    assertEquals(ErrorCode.INVALID_PARAMS, await(client.put(PutRequest.newBuilder().setKey("no-replicas").setValue(value("x", 1))
        .setConfig(ReplicateConfig.newBuilder().setReplicaNum(0)).build())).getCode());
    assertEquals(ErrorCode.INVALID_PARAMS, await(client.putStart(PutStartRequest.newBuilder().setKey("neg").setValueSize(-1).build())).getCode());
    assertEquals(ErrorCode.INVALID_PARAMS, await(client.putStart(PutStartRequest.newBuilder().setKey("huge").setValueSize(1L << 40).build())).getCode());
    assertEquals(ErrorCode.INVALID_PARAMS, await(client.putStart(PutStartRequest.newBuilder().setKey("zero").setValueSize(0).build())).getCode());
    assertEquals(ErrorCode.INVALID_PARAMS, await(client.putStart(PutStartRequest.newBuilder().setKey("pin").setValueSize(10)
        .setConfig(ReplicateConfig.newBuilder().setSoftPin(SoftPin.newBuilder().setAction(SoftPinAction.PRESERVE).setTtlMs(5)))
        .build())).getCode());
    BatchExistsReply none = await(client.batchExists(BatchExistsRequest.newBuilder()
        .addKeys("no-replicas").addKeys("neg").addKeys("huge").addKeys("zero").addKeys("pin").build()));
    assertTrue(none.getExistsList().stream().noneMatch(b -> b), "refused calls left nothing behind");
    assertEquals(allocatedBefore, node.master().segments().allocatedBytes(), "no space was reserved");

    BatchExistsRequest.Builder tooMany = BatchExistsRequest.newBuilder();
    for (int i = 0; i < 4097; i++) {
      tooMany.addKeys("k" + i);
    }
    InvalidStatusException e = assertThrows(InvalidStatusException.class, () -> await(client.batchExists(tooMany.build())));
    assertEquals(GrpcStatus.INVALID_ARGUMENT, e.actualStatus());
  }

  @Test
  void twoPhasePutWithWriteSliceEndAndRevoke() {
    ByteString v = value("two-phase", 300_000);
    PutStartReply started = await(client.putStart(PutStartRequest.newBuilder().setKey("two-phase").setValueSize(v.size()).build()));
    assertEquals(ErrorCode.OK, started.getCode());
    assertEquals(1, started.getReplicasCount());
    ReplicaDescriptor replica = started.getReplicas(0);
    assertEquals(ReplicaStatus.PROCESSING, replica.getStatus());
    assertEquals(ErrorCode.REPLICA_IS_NOT_READY, await(client.get(GetRequest.newBuilder().setKey("two-phase").build())).getCode());
    assertFalse(await(client.batchExists(BatchExistsRequest.newBuilder().addKeys("two-phase").build())).getExists(0));
    // two slices, written out of order
    WriteSliceRequest.Builder slice = WriteSliceRequest.newBuilder().setKey("two-phase").setReplicaId(replica.getReplicaId());
    assertEquals(ErrorCode.OK, await(client.writeSlice(slice.setOffset(100_000).setData(v.substring(100_000)).build())).getCode());
    assertEquals(ErrorCode.OK, await(client.writeSlice(slice.setOffset(0).setData(v.substring(0, 100_000)).build())).getCode());
    assertEquals(ErrorCode.INVALID_PARAMS, await(client.writeSlice(slice.setOffset(299_999).setData(v.substring(0, 2)).build())).getCode(),
        "a slice past the end of the value is refused");
    assertEquals(ErrorCode.OK, await(client.putEnd(PutEndRequest.newBuilder().setKey("two-phase").build())).getCode());
    assertEquals(ErrorCode.OK, await(client.putEnd(PutEndRequest.newBuilder().setKey("two-phase").build())).getCode(), "idempotent");
    assertEquals(v, await(client.get(GetRequest.newBuilder().setKey("two-phase").build())).getValue());
    GetReplicaListReply list = await(client.getReplicaList(GetReplicaListRequest.newBuilder().setKey("two-phase").build()));
    assertEquals(ReplicaStatus.COMPLETE, list.getReplicas(0).getStatus());
    ReadSliceReply part = await(client.readSlice(ReadSliceRequest.newBuilder().setKey("two-phase")
        .setReplicaId(list.getReplicas(0).getReplicaId()).setOffset(1000).setLength(5000).build()));
    assertEquals(v.substring(1000, 6000), part.getData());
    assertEquals(ErrorCode.INVALID_WRITE, await(client.putRevoke(PutRevokeRequest.newBuilder().setKey("two-phase").build())).getCode(),
        "a completed object cannot be revoked");

    PutStartReply revoked = await(client.putStart(PutStartRequest.newBuilder().setKey("revoked").setValueSize(1000).build()));
    assertEquals(ErrorCode.OK, revoked.getCode());
    assertEquals(ErrorCode.OK, await(client.putRevoke(PutRevokeRequest.newBuilder().setKey("revoked").build())).getCode());
    assertEquals(ErrorCode.OBJECT_NOT_FOUND, await(client.get(GetRequest.newBuilder().setKey("revoked").build())).getCode());
    assertEquals(ErrorCode.OK, await(client.putStart(PutStartRequest.newBuilder().setKey("revoked").setValueSize(1000).build())).getCode(),
        "a revoked key can be put again at once");
    await(client.putRevoke(PutRevokeRequest.newBuilder().setKey("revoked").build()));
  }

  @Test
  void onlyTheWritingConnectionMayWriteOrEndItsPut() {
    KvStoreGrpcClient other = TestNodes.client(clientVertx, node.grpcPort()); // a second connection
    PutStartReply started = await(client.putStart(PutStartRequest.newBuilder().setKey("owned").setValueSize(10).build()));
    WriteSliceRequest slice = WriteSliceRequest.newBuilder().setKey("owned").setReplicaId(started.getReplicas(0).getReplicaId())
        .setOffset(0).setData(value("owned", 10)).build();
    assertEquals(ErrorCode.ILLEGAL_CLIENT, await(other.writeSlice(slice)).getCode());
    assertEquals(ErrorCode.ILLEGAL_CLIENT, await(other.putEnd(PutEndRequest.newBuilder().setKey("owned").build())).getCode());
    assertEquals(ErrorCode.ILLEGAL_CLIENT, await(other.putRevoke(PutRevokeRequest.newBuilder().setKey("owned").build())).getCode());
    assertEquals(ErrorCode.OK, await(client.writeSlice(slice)).getCode());
    assertEquals(ErrorCode.OK, await(client.putEnd(PutEndRequest.newBuilder().setKey("owned").build())).getCode());
  }

  @Test
  void healthServiceReportsServing() {
    var health = io.kvcache.proto.health.HealthGrpcClient.create(
        io.vertx.grpc.client.GrpcClient.client(clientVertx),
        io.vertx.core.net.SocketAddress.inetSocketAddress(node.grpcPort(), TestNodes.HOST));
    var status = await(health.check(io.kvcache.proto.health.HealthCheckRequest.getDefaultInstance())).getStatus();
    assertEquals(io.kvcache.proto.health.HealthCheckResponse.ServingStatus.SERVING, status);
    var unknown = await(health.check(io.kvcache.proto.health.HealthCheckRequest.newBuilder().setService("nope").build()));
    assertEquals(io.kvcache.proto.health.HealthCheckResponse.ServingStatus.SERVICE_UNKNOWN, unknown.getStatus());
  }
}
