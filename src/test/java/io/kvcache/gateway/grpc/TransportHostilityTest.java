package io.kvcache.gateway.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.kvcache.app.Node;
import io.kvcache.proto.v1.BatchExistsReply;
import io.kvcache.proto.v1.BatchExistsRequest;
import io.kvcache.proto.v1.BatchPutChunk;
import io.kvcache.proto.v1.BatchPutReply;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.GetReply;
import io.kvcache.proto.v1.GetRequest;
import io.kvcache.proto.v1.PutItem;
import io.kvcache.proto.v1.PutReply;
import io.kvcache.proto.v1.PutRequest;
import io.kvcache.proto.v1.PutStartReply;
import io.kvcache.proto.v1.PutStartRequest;
import io.kvcache.testing.Await;
import io.kvcache.testing.TestNodes;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * What a careless or hostile HTTP/2 client can do to a node, frame by frame: every malformed call gets exactly one
 * status from the documented set, changes nothing in the store, and releases the request bytes it made the node hold;
 * the connection and the node keep serving.
 */
class TransportHostilityTest {
  private static final String SERVICE = "/kvstore.v1.KvStore/";
  private static final String GRPC = "application/grpc";
  private static final int MAX_BATCH = 8;
  private static final long WAIT_S = 20;
  private static Node node;

  @BeforeAll
  static void start() {
    JsonObject config = TestNodes.singleNode("64MiB").put("max_batch_size", MAX_BATCH).put("max_value_size", "4MiB");
    node = TestNodes.start(config);
  }

  @AfterAll
  static void stop() {
    TestNodes.stop(node);
  }

  private RawH2Client client() throws InterruptedException {
    return new RawH2Client(TestNodes.HOST, node.grpcPort());
  }

  private static byte[] put(String key, int size) {
    byte[] value = new byte[size];
    Arrays.fill(value, (byte) 7);
    return PutRequest.newBuilder().setKey(key).setValue(ByteString.copyFrom(value)).build().toByteArray();
  }

  /** Calls a unary method with one well-formed message and returns the parsed reply body (prefix stripped). */
  private static byte[] unary(RawH2Client c, String method, byte[] request) throws Exception {
    int id = c.start(SERVICE + method, GRPC, false);
    c.data(id, RawH2Client.frame(false, request), true);
    RawH2Client.Outcome o = c.outcome(id, WAIT_S);
    assertEquals(0, o.grpcStatus(), () -> method + ": " + o.grpcMessage());
    return Arrays.copyOfRange(o.body(), 5, o.body().length);
  }

  private boolean exists(RawH2Client c, String key) throws Exception {
    byte[] reply = unary(c, "BatchExists", BatchExistsRequest.newBuilder().addKeys(key).build().toByteArray());
    return BatchExistsReply.parseFrom(reply).getExists(0);
  }

  private double heldBytes() {
    return node.meters().get("kvstore_gateway_request_bytes_held").gauge().value();
  }

  private static RawH2Client.Outcome assertStatus(RawH2Client c, int stream, int status) throws Exception {
    RawH2Client.Outcome o = c.outcome(stream, WAIT_S);
    assertEquals(status, o.grpcStatus(), () -> "status " + o.grpcStatus() + " (" + o.grpcMessage() + ")");
    return o;
  }

  @Test
  void aUnaryCallWithoutAMessageIsInvalidArgument() throws Exception {
    try (RawH2Client c = client()) {
      assertStatus(c, c.start(SERVICE + "BatchExists", GRPC, true), 3);
      int id = c.start(SERVICE + "Get", GRPC, false);
      c.data(id, new byte[0], true);
      assertStatus(c, id, 3);
    }
  }

  @Test
  void aUnaryCallWithTwoMessagesRunsNeither() throws Exception {
    try (RawH2Client c = client()) {
      byte[] start = PutStartRequest.newBuilder().setKey("two-starts").setValueSize(1024).build().toByteArray();
      int id = c.start(SERVICE + "PutStart", GRPC, false);
      c.data(id, RawH2Client.frame(false, start), false);
      c.data(id, RawH2Client.frame(false, start), true);
      assertStatus(c, id, 3);
      int put = c.start(SERVICE + "Put", GRPC, false);
      c.data(put, RawH2Client.frame(false, put("two-puts", 100)), false);
      c.data(put, RawH2Client.frame(false, put("two-puts", 100)), true);
      assertStatus(c, put, 3);
      assertTrue(!exists(c, "two-puts"));
      // No reservation was left behind: the key can be started (and revoked) normally.
      PutStartReply reply = PutStartReply.parseFrom(unary(c, "PutStart", start));
      assertEquals(ErrorCode.OK, reply.getCode());
    }
  }

  /**
   * The second message of a unary call ends it at once, with the rest of its DATA frame (the start of a third message)
   * still unread and the stream still open: the call is over and reset, and nothing of that frame stays held. Found by
   * the protocol fuzzer (request bytes held stayed above 0).
   */
  @Test
  void aCallEndedInsideADataFrameHoldsNothingOfTheRest() throws Exception {
    try (RawH2Client c = client()) {
      byte[] one = RawH2Client.frame(false, put("three-in-one", 20 << 10));
      byte[] data = new byte[3 * one.length - 100];
      for (int i = 0; i < 3; i++) {
        System.arraycopy(one, 0, data, i * one.length, Math.min(one.length, data.length - i * one.length));
      }
      int id = c.start(SERVICE + "Put", GRPC, false);
      c.data(id, data, false);
      assertStatus(c, id, 3);
      Await.until("held request bytes back to 0", java.time.Duration.ofSeconds(WAIT_S), () -> heldBytes() == 0);
      assertTrue(!exists(c, "three-in-one"));
    }
  }

  @Test
  void aStreamEndingInsideAMessageStoresNothing() throws Exception {
    try (RawH2Client c = client()) {
      byte[] framed = RawH2Client.frame(false, put("cut-put", 64 << 10));
      int id = c.start(SERVICE + "Put", GRPC, false);
      c.data(id, Arrays.copyOf(framed, framed.length / 2), true);
      assertStatus(c, id, 3);
      int prefixOnly = c.start(SERVICE + "Put", GRPC, false);
      c.data(prefixOnly, Arrays.copyOf(framed, 3), true);
      assertStatus(c, prefixOnly, 3);
      assertTrue(!exists(c, "cut-put"));
      Await.until("held request bytes back to 0", java.time.Duration.ofSeconds(WAIT_S), () -> heldBytes() == 0);
    }
  }

  @Test
  void malformedFramingAndMessagesGetTheirStatuses() throws Exception {
    try (RawH2Client c = client()) {
      int compressed = c.start(SERVICE + "Put", GRPC, false);
      c.data(compressed, RawH2Client.frame(true, put("flagged", 10)), true);
      assertStatus(c, compressed, 13); // INTERNAL: a compressed flag without grpc-encoding, as gRPC specifies

      int flags = c.start(SERVICE + "Put", GRPC, false);
      byte[] badFlags = RawH2Client.frame(false, put("flags", 10));
      badFlags[0] = 0x42;
      c.data(flags, badFlags, true);
      assertStatus(c, flags, 13);

      int malformed = c.start(SERVICE + "Put", GRPC, false);
      c.data(malformed, RawH2Client.frame(false, new byte[] {(byte) 0xFF, (byte) 0xFF, 1, 2, 3}), true);
      assertTrue(assertStatus(c, malformed, 3).grpcMessage().contains("malformed"));

      int tooLarge = c.start(SERVICE + "Put", GRPC, false);
      c.data(tooLarge, RawH2Client.prefix(false, 0xFFFF_FFFFL), false);
      assertStatus(c, tooLarge, 8); // RESOURCE_EXHAUSTED before a byte of it is kept

      assertStatus(c, c.start(SERVICE + "NoSuchMethod", GRPC, true), 12);
      assertStatus(c, c.start("/other.Service/Put", GRPC, true), 12);
      assertStatus(c, c.start(SERVICE + "Put", GRPC, false, "grpc-encoding", "snappy"), 12);
      for (String key : List.of("flagged", "flags")) {
        assertTrue(!exists(c, key), key);
      }
    }
  }

  /**
   * A refusal that quotes the client's input (here an 8,000-char path) still reaches the client: the status message is
   * cut to {@value StatusMessage#MAX_ENCODED_CHARS} chars, so the trailers stay far below the 8 KiB of response headers
   * gRPC clients accept by default (past it a client drops the trailers and sees only the reset, i.e. no status at all).
   * Found by the protocol fuzzer.
   */
  @Test
  void aRefusalQuotingALongPathStillCarriesItsStatus() throws Exception {
    try (RawH2Client c = client()) {
      RawH2Client.Outcome o = assertStatus(c, c.start("/" + "p".repeat(8000), GRPC, false), 12);
      assertTrue(o.grpcMessage().startsWith("unknown method /ppp"), o.grpcMessage());
      assertTrue(o.grpcMessage().length() <= StatusMessage.MAX_ENCODED_CHARS, "" + o.grpcMessage().length());
      o = assertStatus(c, c.start(SERVICE + "Put", "x/" + "é".repeat(3000), false), 12);
      assertTrue(o.grpcMessage().startsWith("unsupported content-type x/é"), o.grpcMessage());
      assertTrue(o.grpcMessage().endsWith("é..."), "cut between characters, not inside one: " + o.grpcMessage());
    }
  }

  @Test
  void otherContentTypesAreRefusedAndNeverRun() throws Exception {
    try (RawH2Client c = client()) {
      String json = "{\"key\":\"json-key\",\"value\":\"AAAA\"}";
      int id = c.start(SERVICE + "Put", "application/grpc+json", false);
      c.data(id, RawH2Client.frame(false, json.getBytes()), true);
      assertStatus(c, id, 12);
      assertStatus(c, c.start(SERVICE + "Put", null, true), 12);
      assertStatus(c, c.start(SERVICE + "Put", "text/plain", true), 12);
      assertTrue(!exists(c, "json-key"));
    }
  }

  @Test
  void aCompressedMessageCannotInflatePastTheLimit() throws Exception {
    ByteArrayOutputStream zipped = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(zipped)) {
      byte[] zeros = new byte[1 << 20];
      for (int i = 0; i < 16; i++) { // 16 MiB of zeros: far past the 5 MiB message limit, ~16 KiB compressed
        gz.write(zeros);
      }
    }
    try (RawH2Client c = client()) {
      int id = c.start(SERVICE + "Put", GRPC, false, "grpc-encoding", "gzip");
      c.data(id, RawH2Client.frame(true, zipped.toByteArray()), true);
      assertTrue(assertStatus(c, id, 8).grpcMessage().contains("inflates"));

      ByteArrayOutputStream ok = new ByteArrayOutputStream();
      try (GZIPOutputStream gz = new GZIPOutputStream(ok)) {
        gz.write(put("gzipped", 4096));
      }
      int good = c.start(SERVICE + "Put", GRPC, false, "grpc-encoding", "gzip");
      c.data(good, RawH2Client.frame(true, ok.toByteArray()), true);
      RawH2Client.Outcome o = assertStatus(c, good, 0);
      assertEquals(ErrorCode.OK, PutReply.parseFrom(Arrays.copyOfRange(o.body(), 5, o.body().length)).getCode());
      assertTrue(exists(c, "gzipped"));
    }
  }

  /**
   * Streams that declare a message near the limit and send a few bytes of it: the node holds only what arrived (a
   * declared length is not an allocation), and a reset or the connection's end gives it all back.
   */
  @Test
  void prefixOnlyStreamsHoldOnlyWhatArrived() throws Exception {
    long declared = (4L << 20) + (1 << 20) - 1;
    List<RawH2Client> clients = new ArrayList<>();
    List<List<Integer>> streams = new ArrayList<>();
    try {
      for (int conn = 0; conn < 4; conn++) {
        RawH2Client c = client();
        clients.add(c);
        List<Integer> ids = new ArrayList<>();
        for (int s = 0; s < 200; s++) {
          int id = c.start(SERVICE + "Put", GRPC, false);
          byte[] head = new byte[5 + 100];
          System.arraycopy(RawH2Client.prefix(false, declared), 0, head, 0, 5);
          c.data(id, head, false);
          ids.add(id);
        }
        streams.add(ids);
      }
      Await.until("all 800 streams' bytes arrived", java.time.Duration.ofSeconds(WAIT_S), () -> heldBytes() >= 800 * 100);
      assertTrue(heldBytes() <= 800 * 100, "held " + heldBytes() + " bytes for 800 × 100 received");
      // Resets give back what the first connection's streams held; closing gives back the rest.
      streams.get(0).forEach(clients.get(0)::reset);
      Await.until("reset streams released their bytes", java.time.Duration.ofSeconds(WAIT_S), () -> heldBytes() == 600 * 100);
      for (int conn = 1; conn < 4; conn++) {
        clients.get(conn).close();
      }
      Await.until("closed connections released their bytes", java.time.Duration.ofSeconds(WAIT_S), () -> heldBytes() == 0);
      // The first connection still serves.
      assertEquals(ErrorCode.OK, PutReply.parseFrom(unary(clients.get(0), "Put", put("after-prefixes", 10))).getCode());
    } finally {
      clients.forEach(RawH2Client::close);
    }
  }

  private static byte[] chunk(String... keys) {
    BatchPutChunk.Builder b = BatchPutChunk.newBuilder();
    for (String k : keys) {
      b.addItems(PutItem.newBuilder().setKey(k).setValue(ByteString.copyFrom(new byte[1024])));
    }
    return b.build().toByteArray();
  }

  /** A BatchPut that fails — cut inside a message, reset, or too many items — publishes none of its keys. */
  @Test
  void aFailedBatchPutPublishesNothing() throws Exception {
    try (RawH2Client c = client()) {
      int cut = c.start(SERVICE + "BatchPut", GRPC, false);
      c.data(cut, RawH2Client.frame(false, chunk("cut-1", "cut-2")), false);
      byte[] second = RawH2Client.frame(false, chunk("cut-3"));
      c.data(cut, Arrays.copyOf(second, second.length - 10), true);
      assertStatus(c, cut, 3);

      int over = c.start(SERVICE + "BatchPut", GRPC, false);
      c.data(over, RawH2Client.frame(false, chunk("over-1", "over-2", "over-3", "over-4", "over-5")), false);
      c.data(over, RawH2Client.frame(false, chunk("over-6", "over-7", "over-8", "over-9")), true);
      assertTrue(assertStatus(c, over, 3).grpcMessage().contains("max_batch_size"));

      int reset = c.start(SERVICE + "BatchPut", GRPC, false);
      c.data(reset, RawH2Client.frame(false, chunk("reset-1")), false);
      c.reset(reset);
      // Revoked, not left PROCESSING: each key can be put again (the reset's revoke may land just after it).
      for (String key : List.of("cut-1", "cut-2", "over-1", "over-5", "reset-1")) {
        assertTrue(!exists(c, key), key);
      }
      Await.until("reset-1 revoked and put again", java.time.Duration.ofSeconds(WAIT_S), () -> putCode(c, "reset-1") == ErrorCode.OK);
      for (String key : List.of("cut-1", "over-1")) {
        assertEquals(ErrorCode.OK, putCode(c, key), key);
      }

      int good = c.start(SERVICE + "BatchPut", GRPC, false);
      c.data(good, RawH2Client.frame(false, chunk("good-1", "good-2")), false);
      c.data(good, RawH2Client.frame(false, chunk("good-3")), true);
      RawH2Client.Outcome o = assertStatus(c, good, 0);
      assertEquals(3, BatchPutReply.parseFrom(Arrays.copyOfRange(o.body(), 5, o.body().length)).getStored());
      assertTrue(exists(c, "good-3"));
      Await.until("held request bytes back to 0", java.time.Duration.ofSeconds(WAIT_S), () -> heldBytes() == 0);
    }
  }

  private static ErrorCode putCode(RawH2Client c, String key) {
    try {
      return PutReply.parseFrom(unary(c, "Put", put(key, 10))).getCode();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void theConnectionServesAfterEveryRefusal() throws Exception {
    try (RawH2Client c = client()) {
      assertStatus(c, c.start(SERVICE + "Get", GRPC, true), 3);
      assertStatus(c, c.start(SERVICE + "Nope", GRPC, true), 12);
      int id = c.start(SERVICE + "Put", GRPC, false);
      c.data(id, RawH2Client.frame(true, put("x", 1)), true);
      assertStatus(c, id, 13);
      assertEquals(ErrorCode.OK, PutReply.parseFrom(unary(c, "Put", put("served", 5000))).getCode());
      GetReply got = GetReply.parseFrom(unary(c, "Get", GetRequest.newBuilder().setKey("served").build().toByteArray()));
      assertEquals(5000, got.getValue().size());
      assertTrue(c.isOpen());
    }
  }
}
