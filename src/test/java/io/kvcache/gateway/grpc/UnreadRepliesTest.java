package io.kvcache.gateway.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.kvcache.app.Node;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.GetReply;
import io.kvcache.proto.v1.GetRequest;
import io.kvcache.proto.v1.PutReply;
import io.kvcache.proto.v1.PutRequest;
import io.kvcache.testing.Await;
import io.kvcache.testing.TestNodes;
import io.netty.handler.codec.http2.Http2Error;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A client that asks and never reads (its streams' flow-control window is 0) cannot make the node hold replies without
 * bound: past the connection's budget (256 MiB here) further replies are refused with RESOURCE_EXHAUSTED, and replies
 * that stop draining for the message timeout are reset and released. Before, 100 Gets of a 4 MiB value from such a
 * client held 400 MiB of direct memory until it disconnected (found by the protocol fuzzer: a SETTINGS frame shrinking
 * the client's window starved a health check forever).
 */
class UnreadRepliesTest {
  private static final int VALUE = 8 << 20;
  private static final long CONNECTION_CAP = 256L << 20;
  private static final long TIMEOUT_MS = 5000;
  private static Node node;

  @BeforeAll
  static void start() {
    node = TestNodes.start(TestNodes.singleNode("64MiB").put("max_value_size", "8MiB")
        .put("grpc_message_timeout_ms", TIMEOUT_MS));
  }

  @AfterAll
  static void stop() {
    TestNodes.stop(node);
  }

  private static double gauge(String name) {
    return node.meters().get(name).gauge().value();
  }

  private static byte[] get(String key) {
    return RawH2Client.frame(false, GetRequest.newBuilder().setKey(key).build().toByteArray());
  }

  @Test
  void repliesAClientDoesNotReadAreCappedThenResetAndReleased() throws Exception {
    byte[] value = new byte[VALUE];
    Arrays.fill(value, (byte) 5);
    try (RawH2Client c = new RawH2Client(TestNodes.HOST, node.grpcPort())) {
      int id = c.start("/kvstore.v1.KvStore/Put", "application/grpc", false);
      c.data(id, RawH2Client.frame(false, PutRequest.newBuilder().setKey("big").setValue(ByteString.copyFrom(value))
          .build().toByteArray()), true);
      RawH2Client.Outcome o = c.outcome(id, 30);
      assertEquals(ErrorCode.OK, PutReply.parseFrom(Arrays.copyOfRange(o.body(), 5, o.body().length)).getCode());
    }
    int asked = 40; // 320 MiB of replies for a 256 MiB budget
    try (RawH2Client reader = new RawH2Client(TestNodes.HOST, node.grpcPort(), 0)) {
      List<Integer> ids = new ArrayList<>();
      for (int i = 0; i < asked; i++) {
        int id = reader.start("/kvstore.v1.KvStore/Get", "application/grpc", false);
        reader.data(id, get("big"), true);
        ids.add(id);
      }
      // Each Get is either queued (charged) or refused: a refusal is trailers only, which flow control does not hold.
      long fits = CONNECTION_CAP / VALUE;
      Await.until("every Get queued or refused", Duration.ofSeconds(30), () ->
          ids.stream().filter(id -> reader.outcomeNow(id) != null).count() >= asked - fits);
      double queued = gauge("kvstore_gateway_response_bytes_queued");
      assertTrue(queued <= CONNECTION_CAP && queued >= (fits - 1) * (double) VALUE, "queued " + queued);
      long refused = 0;
      for (int id : ids) {
        RawH2Client.Outcome o = reader.outcomeNow(id);
        if (o != null) {
          assertEquals(8, o.grpcStatus(), o.grpcMessage()); // RESOURCE_EXHAUSTED
          refused++;
        }
      }
      assertTrue(refused >= asked - fits && refused < asked, refused + " refused");

      // Another client is served meanwhile (the node's budget is not the connection's).
      try (RawH2Client other = new RawH2Client(TestNodes.HOST, node.grpcPort())) {
        int id = other.start("/kvstore.v1.KvStore/Get", "application/grpc", false);
        other.data(id, get("big"), true);
        RawH2Client.Outcome o = other.outcome(id, 30);
        assertEquals(VALUE, GetReply.parseFrom(Arrays.copyOfRange(o.body(), 5, o.body().length)).getValue().size());
      }

      // Nothing of the queued replies drains: after the message timeout they are reset and released.
      Await.until("stalled replies released", Duration.ofSeconds(30),
          () -> gauge("kvstore_gateway_response_bytes_queued") == 0);
      for (int id : ids) {
        Await.until("every Get ended", Duration.ofSeconds(30), () -> reader.outcomeNow(id) != null);
        RawH2Client.Outcome o = reader.outcomeNow(id);
        assertTrue(o.grpcStatus() == 8 || o.resetCode() == Http2Error.CANCEL.code(), FuzzVerdicts.label(o));
      }
      assertTrue(reader.isOpen(), "the connection itself stays");
    }
  }
}
