package io.kvcache.e2e;

import com.google.protobuf.ByteString;
import io.kvcache.app.Node;
import io.kvcache.gateway.grpc.StallingH2Client;
import io.kvcache.proto.v1.*;
import io.kvcache.testing.Await;
import io.kvcache.testing.TestNodes;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.kvcache.testing.TestNodes.await;
import static io.kvcache.testing.Values.value;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A BatchGet whose client stops reading mid-reply (its HTTP/2 window runs out) while the leases of what it asked for
 * expire and the keys are removed and their memory reused: it never receives another object's bytes, the node holds
 * a bounded part of the reply meanwhile, and a reset releases all of it.
 */
class SlowReaderTest {
  private static final int VALUE_BYTES = 512 << 10;
  private static final int KEYS = 32;
  private static final long LEASE_TTL_MS = 300;

  private static Node node;
  private static Vertx clientVertx;
  private static KvStoreGrpcClient client;

  @BeforeAll
  static void start() {
    // 32 MiB: the 16 MiB asked for, and as much again written after the removals, reuse the same memory.
    node = TestNodes.start(TestNodes.singleNode("32MiB").put("lease_ttl_ms", LEASE_TTL_MS));
    clientVertx = Vertx.vertx();
    client = TestNodes.client(clientVertx, node.grpcPort());
  }

  @AfterAll
  static void stop() {
    TestNodes.stop(node);
    TestNodes.close(clientVertx);
  }

  private double queuedReplyBytes() {
    return node.meters().get("kvstore_gateway_response_bytes_queued").gauge().value();
  }

  private static List<String> putKeys(String prefix) {
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < KEYS; i++) {
      String key = prefix + i;
      assertEquals(ErrorCode.OK, await(client.put(PutRequest.newBuilder().setKey(key)
          .setValue(value(key, VALUE_BYTES)).build())).getCode(), key);
      keys.add(key);
    }
    return keys;
  }

  private StallingH2Client stalledBatchGet(List<String> keys) throws Exception {
    StallingH2Client reader = new StallingH2Client(TestNodes.HOST, node.grpcPort(), 1 << 20);
    reader.call("/kvstore.v1.KvStore/BatchGet", BatchGetRequest.newBuilder().addAllKeys(keys).build().toByteArray());
    Await.until("the node has queued reply bytes the client does not take", Duration.ofSeconds(30),
        () -> queuedReplyBytes() > 0);
    return reader;
  }

  @Test
  void aStalledReaderNeverGetsBytesOfAnotherObject() throws Exception {
    List<String> keys = putKeys("slow-");
    try (StallingH2Client reader = stalledBatchGet(keys)) {
      double queued = queuedReplyBytes();
      assertTrue(queued <= 6 << 20, "the node holds a bounded part of the reply, not all of it: " + queued);

      // Every lease runs out while the reader is stalled; then the keys go and their memory is written again.
      Await.until("every key removed once its lease ran out", Duration.ofSeconds(30), () -> {
        boolean all = true;
        for (String key : keys) {
          ErrorCode code = await(client.remove(RemoveRequest.newBuilder().setKey(key).build())).getCode();
          all &= code == ErrorCode.OK || code == ErrorCode.OBJECT_NOT_FOUND;
        }
        return all;
      });
      putKeys("other-");

      reader.resume();
      assertEquals("0", reader.status(30), "the call ends OK (per-item codes tell what was found)");
      int found = 0, gone = 0;
      for (BatchGetChunk chunk : chunks(reader.body())) {
        for (GetItem item : chunk.getItemsList()) {
          String key = keys.get(item.getIndex());
          if (item.getCode() == ErrorCode.OK) {
            assertEquals(value(key, VALUE_BYTES), item.getValue(), "bytes of " + key + " and of nothing else");
            found++;
          } else {
            assertEquals(ErrorCode.OBJECT_NOT_FOUND, item.getCode(), key);
            gone++;
          }
        }
      }
      assertEquals(KEYS, found + gone, "every item answered once");
      assertTrue(found > 0, "what was read before the stall is delivered");
      assertTrue(gone > 0, "keys not yet read when they were removed are not found");
    }
    Await.until("no reply bytes queued", Duration.ofSeconds(30), () -> queuedReplyBytes() == 0);
    await(client.removeAll(RemoveAllRequest.newBuilder().setForce(true).build()));
  }

  @Test
  void resettingAStalledCallReleasesWhatItHeld() throws Exception {
    List<String> keys = putKeys("reset-");
    try (StallingH2Client reader = stalledBatchGet(keys)) {
      reader.reset();
      Await.until("the reset call's queued reply released", Duration.ofSeconds(30), () -> queuedReplyBytes() == 0);
    }
    GetReply after = await(client.get(GetRequest.newBuilder().setKey(keys.get(KEYS - 1)).build()));
    assertEquals(value(keys.get(KEYS - 1), VALUE_BYTES), after.getValue(), "the node serves on");
    await(client.removeAll(RemoveAllRequest.newBuilder().setForce(true).build()));
  }

  /** The gRPC messages of a reply body (5-byte prefix, then the message). */
  private static List<BatchGetChunk> chunks(byte[] body) throws Exception {
    List<BatchGetChunk> out = new ArrayList<>();
    ByteBuffer in = ByteBuffer.wrap(body);
    while (in.remaining() >= 5) {
      in.get(); // not compressed
      int length = in.getInt();
      out.add(BatchGetChunk.parseFrom(ByteString.copyFrom(in.array(), in.position(), length)));
      in.position(in.position() + length);
    }
    assertEquals(0, in.remaining(), "the body is whole messages");
    return out;
  }
}
