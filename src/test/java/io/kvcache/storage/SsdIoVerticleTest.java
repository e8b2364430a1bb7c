package io.kvcache.storage;

import io.kvcache.ssd.SsdTestSupport;
import io.kvcache.ssd.bucket.BucketStore;
import io.kvcache.ssd.bucket.BucketStoreOptions;
import io.kvcache.ssd.bucket.EvictionPolicy;
import io.kvcache.ssd.io.UringFileIo;
import com.google.protobuf.ByteString;
import io.kvcache.bus.Addresses;
import io.kvcache.bus.ProtoCodec;
import io.kvcache.proto.bus.SsdEvictReply;
import io.kvcache.proto.bus.SsdEvictRequest;
import io.kvcache.proto.bus.SsdLoadReply;
import io.kvcache.proto.bus.SsdLoadRequest;
import io.kvcache.proto.bus.SsdObject;
import io.kvcache.proto.bus.SsdQueryReply;
import io.kvcache.proto.bus.SsdQueryRequest;
import io.kvcache.proto.bus.SsdScanReply;
import io.kvcache.proto.bus.SsdScanRequest;
import io.kvcache.proto.bus.SsdStoreReply;
import io.kvcache.proto.bus.SsdStoreRequest;
import io.kvcache.proto.v1.ErrorCode;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SSD verticle over the (local) event bus: protobuf requests in, per-key replies out, I/O on its worker pool. */
@ExtendWith(VertxExtension.class)
class SsdIoVerticleTest {
  private static final String NODE = "node-a";

  private UringFileIo io;
  private SsdService service;

  @BeforeEach
  void setUp(Vertx vertx) throws IOException {
    ProtoCodec.register(vertx.eventBus());
    io = (UringFileIo) SsdTestSupport.engine(SsdTestSupport.URING, 32, null);
    BucketStore store = BucketStore.open(io, BucketStoreOptions.defaults(SsdTestSupport.freshDir("verticle"))
        .withLimits(3, 1 << 20).withCapacity(1L << 30, EvictionPolicy.FIFO));
    service = new SsdService(store, io.engineName());
  }

  @AfterEach
  void tearDown(Vertx vertx) throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS); // undeploys first: no I/O runs when the rings close
    io.close();
  }

  private static <T> T request(Vertx vertx, String node, Object body) throws Exception {
    return vertx.eventBus().<T>request(Addresses.ssd(node), body).await(30, TimeUnit.SECONDS).body();
  }

  private static ByteString bytes(int i, int size) {
    byte[] b = new byte[size];
    new Random(i).nextBytes(b);
    return ByteString.copyFrom(b);
  }

  @Test
  void storeLoadScanQueryEvictOverTheBus(Vertx vertx) throws Exception {
    SsdIoVerticle.deploy(vertx, NODE, service, 2).await(30, TimeUnit.SECONDS);
    SsdStoreRequest.Builder store = SsdStoreRequest.newBuilder();
    for (int i = 0; i < 5; i++) {
      store.addObjects(SsdObject.newBuilder().setKey(ByteString.copyFromUtf8("k" + i)).setValue(bytes(i, 10_000 + i)));
    }
    store.addObjects(SsdObject.newBuilder().setKey(ByteString.copyFromUtf8("k0")).setValue(bytes(0, 5)));
    SsdStoreReply stored = request(vertx, NODE, store.build());
    assertEquals(6, stored.getResultsCount());
    for (int i = 0; i < 5; i++) {
      assertEquals(ErrorCode.OK, stored.getResults(i).getCode(), stored.getResults(i).getMessage());
      assertEquals(10_000 + i, stored.getResults(i).getSize());
    }
    assertEquals(ErrorCode.OBJECT_ALREADY_EXISTS, stored.getResults(5).getCode());

    SsdLoadReply loaded = request(vertx, NODE, SsdLoadRequest.newBuilder()
        .addKeys(ByteString.copyFromUtf8("k3")).addKeys(ByteString.copyFromUtf8("nope"))
        .addKeys(ByteString.copyFromUtf8("k0")).build());
    assertEquals(bytes(3, 10_003), loaded.getResults(0).getValue());
    assertEquals(ErrorCode.OBJECT_NOT_FOUND, loaded.getResults(1).getCode());
    assertEquals(bytes(0, 10_000), loaded.getResults(2).getValue());

    SsdScanReply page = request(vertx, NODE, SsdScanRequest.newBuilder().setAfterBucketId(-1).setMaxObjects(3).build());
    assertEquals(3, page.getObjectsCount(), "one bucket of 3 keys");
    assertEquals(false, page.getDone());
    SsdScanReply rest = request(vertx, NODE,
        SsdScanRequest.newBuilder().setAfterBucketId(page.getLastBucketId()).setMaxObjects(3).build());
    assertEquals(2, rest.getObjectsCount());
    assertTrue(rest.getDone());

    SsdEvictReply evicted = request(vertx, NODE, SsdEvictRequest.newBuilder()
        .addKeys(ByteString.copyFromUtf8("k1")).addKeys(ByteString.copyFromUtf8("zz")).build());
    assertEquals(ErrorCode.OK, evicted.getResults(0).getCode());
    assertEquals(ErrorCode.OBJECT_NOT_FOUND, evicted.getResults(1).getCode());

    SsdQueryReply query = request(vertx, NODE, SsdQueryRequest.newBuilder()
        .addKeys(ByteString.copyFromUtf8("k1")).addKeys(ByteString.copyFromUtf8("k2")).build());
    assertEquals(List.of(-1L, 10_002L), query.getSizesList());
    assertEquals(4, query.getObjectCount());
    assertEquals(2, query.getBucketCount());
    assertEquals("io_uring", query.getEngine());

    // Every ring was made by a thread of the verticle's worker pool: the blocking I/O never ran elsewhere.
    List<String> owners = io.rings().ringOwnerNames();
    assertTrue(!owners.isEmpty() && owners.stream().allMatch(n -> n.startsWith(SsdIoVerticle.WORKER_POOL)),
        "ring owners " + owners);
  }

  @Test
  void aMalformedRequestFailsWithInvalidParams(Vertx vertx) throws Exception {
    SsdIoVerticle.deploy(vertx, NODE, service, 1).await(30, TimeUnit.SECONDS);
    ReplyException reply = assertThrows(ReplyException.class,
        () -> request(vertx, NODE, SsdScanRequest.newBuilder().setMaxObjects(0).build()));
    assertEquals(ErrorCode.INVALID_PARAMS_VALUE, reply.failureCode());
    assertTrue(reply.getMessage().contains("max_objects"), reply.getMessage());
  }

  @Test
  void onAnEventLoopTheEngineRefusesToBlock(Vertx vertx) throws Exception {
    // Deployed by mistake as a standard (event-loop) verticle: every request is refused, none blocks the loop.
    vertx.deployVerticle(new SsdIoVerticle("loop-node", service)).await(30, TimeUnit.SECONDS);
    SsdStoreRequest store = SsdStoreRequest.newBuilder()
        .addObjects(SsdObject.newBuilder().setKey(ByteString.copyFromUtf8("k")).setValue(bytes(1, 10))).build();
    SsdStoreReply reply = request(vertx, "loop-node", store);
    assertEquals(ErrorCode.FILE_WRITE_FAIL, reply.getResults(0).getCode());
    assertTrue(reply.getResults(0).getMessage().contains("event loop"), reply.getResults(0).getMessage());
    assertEquals(List.of(), io.rings().ringOwnerNames(), "no ring was created on the event loop");
  }
}
