package io.kvcache.gateway.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvcache.app.Node;
import io.kvcache.testing.Await;
import io.kvcache.testing.TestNodes;
import io.netty.handler.codec.http2.Http2Error;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;

/**
 * The per-connection limits of a node configured with small ones: concurrent streams, a request message that stops
 * growing, an idle connection.
 */
class TransportLimitsTest {
  private static final String PUT = "/kvstore.v1.KvStore/Put";
  private static final String GRPC = "application/grpc";
  private static Node node;

  @BeforeAll
  static void start() {
    node = TestNodes.start(TestNodes.singleNode("16MiB").put("grpc_max_concurrent_streams", 4)
        .put("grpc_message_timeout_ms", 300).put("grpc_idle_timeout_ms", 1000));
  }

  @AfterAll
  static void stop() {
    TestNodes.stop(node);
  }

  private double heldBytes() {
    return node.meters().get("kvstore_gateway_request_bytes_held").gauge().value();
  }

  @Test
  void aMessageThatStopsGrowingIsFailedAndReleased() throws Exception {
    try (RawH2Client c = new RawH2Client(TestNodes.HOST, node.grpcPort())) {
      int id = c.start(PUT, GRPC, false);
      byte[] head = new byte[5 + 1000];
      System.arraycopy(RawH2Client.prefix(false, 100_000), 0, head, 0, 5);
      c.data(id, head, false);
      RawH2Client.Outcome o = c.outcome(id, 20);
      assertEquals(4, o.grpcStatus(), o.grpcMessage()); // DEADLINE_EXCEEDED
      Await.until("held bytes released", Duration.ofSeconds(20), () -> heldBytes() == 0);
    }
  }

  @Test
  void streamsPastTheLimitAreRefused() throws Exception {
    try (RawH2Client c = new RawH2Client(TestNodes.HOST, node.grpcPort())) {
      for (int i = 0; i < 4; i++) {
        c.start(PUT, GRPC, false); // open, between messages: not timed out, not idle
      }
      RawH2Client.Outcome fifth = c.outcome(c.start(PUT, GRPC, false), 20);
      assertTrue(fifth.reset(), "the fifth stream is refused");
      assertEquals(Http2Error.REFUSED_STREAM.code(), fifth.resetCode());
    }
  }

  @Test
  void anIdleConnectionIsClosed() throws Exception {
    try (RawH2Client c = new RawH2Client(TestNodes.HOST, node.grpcPort())) {
      assertEquals(Http2Error.NO_ERROR.code(), c.goAway(20));
      Await.until("the idle connection closed", Duration.ofSeconds(20), () -> !c.isOpen());
    }
  }
}
