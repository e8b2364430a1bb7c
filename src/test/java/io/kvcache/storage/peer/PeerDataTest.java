package io.kvcache.storage.peer;

import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.segment.DramSegment;
import io.kvcache.testing.TestNodes;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The node-to-node data path on loopback: a {@link PeerDataServer} over a segment, the {@link PeerDataClient} that
 * other nodes use, and raw sockets that do not know (or misuse) the cluster's secret.
 */
class PeerDataTest {
  private static final int SEGMENT_BYTES = 8 << 20;
  private static final String NODE = "node-b";
  private static final String SEGMENT = "node-b";
  private static final long CURRENT_TERM = 3;

  private Vertx vertx;
  private DramSegment segment;
  private PeerDataServer server;
  private PeerDataClient client;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    segment = new DramSegment(SEGMENT_BYTES);
    PeerDirectory directory = new PeerDirectory(vertx);
    server = TestNodes.await(PeerDataServer.start(vertx, directory, NODE, "127.0.0.1", 0, 2, segment, null, SEGMENT,
        term -> term >= CURRENT_TERM));
    client = new PeerDataClient(vertx, directory, 10_000);
  }

  @AfterEach
  void stop() {
    client.close();
    TestNodes.close(vertx);
    segment.close();
  }

  private static byte[] random(long seed, int n) {
    byte[] b = new byte[n];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  private byte[] read(long offset, int length) {
    ByteBuf got = TestNodes.await(client.read(NODE, SEGMENT, offset, length));
    try {
      return ByteBufUtil.getBytes(got);
    } finally {
      got.release();
    }
  }

  @Test
  void writesLandInTheSegmentAndReadsReturnThemByteExact() {
    byte[] value = random(1, 3 << 20);
    TestNodes.await(client.write(NODE, SEGMENT, 4096, CURRENT_TERM, Unpooled.wrappedBuffer(value)));
    assertArrayEquals(value, segment.read(4096, value.length), "the segment holds what was written");
    assertArrayEquals(value, read(4096, value.length));

    // Many reads in flight on one connection come back matched to their requests.
    List<Future<ByteBuf>> reads = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      reads.add(client.read(NODE, SEGMENT, 4096 + i * 1000L, 777 + i));
    }
    for (int i = 0; i < reads.size(); i++) {
      ByteBuf got = TestNodes.await(reads.get(i));
      int from = i * 1000;
      assertArrayEquals(Arrays.copyOfRange(value, from, from + 777 + i), ByteBufUtil.getBytes(got), "read " + i);
      got.release();
    }
  }

  @Test
  void rangesOutsideTheSegmentAreRefusedAndChangeNothing() {
    PeerFailure pastEnd = assertThrows(PeerFailure.class,
        () -> TestNodes.await(client.read(NODE, SEGMENT, SEGMENT_BYTES - 10, 11)));
    assertEquals(ErrorCode.INVALID_PARAMS, pastEnd.code);
    PeerFailure negative = assertThrows(PeerFailure.class,
        () -> TestNodes.await(client.read(NODE, SEGMENT, -1, 10)));
    assertEquals(ErrorCode.INVALID_PARAMS, negative.code);
    // The connection still serves after a refused read.
    assertEquals(10, read(SEGMENT_BYTES - 10, 10).length);

    // A write that cannot be placed is refused and no byte of it lands; the connection goes on serving.
    PeerFailure outside = assertThrows(PeerFailure.class, () -> TestNodes.await(
        client.write(NODE, SEGMENT, SEGMENT_BYTES - 100, CURRENT_TERM, Unpooled.wrappedBuffer(random(2, 200)))));
    assertEquals(ErrorCode.INVALID_PARAMS, outside.code);
    assertArrayEquals(new byte[100], segment.read(SEGMENT_BYTES - 100, 100));
    byte[] after = random(3, 1000);
    TestNodes.await(client.write(NODE, SEGMENT, 0, CURRENT_TERM, Unpooled.wrappedBuffer(after)));
    assertArrayEquals(after, read(0, after.length));
  }

  @Test
  void aWriteGrantedByAReplacedMasterIsRefusedAndLandsNowhere() {
    PeerFailure fenced = assertThrows(PeerFailure.class, () -> TestNodes.await(
        client.write(NODE, SEGMENT, 8192, CURRENT_TERM - 1, Unpooled.wrappedBuffer(random(10, 3000)))));
    assertEquals(ErrorCode.UNAVAILABLE_IN_CURRENT_MODE, fenced.code);
    assertArrayEquals(new byte[3000], segment.read(8192, 3000));
  }

  @Test
  void aNodeThatPublishedNoEndpointIsATransferFailure() {
    PeerFailure unknown = assertThrows(PeerFailure.class,
        () -> TestNodes.await(client.read("node-x", "node-x", 0, 10)));
    assertEquals(ErrorCode.TRANSFER_FAIL, unknown.code);
  }

  @Test
  void aConnectionThatKnowsTheSecretIsServed() throws IOException {
    byte[] value = random(4, 5000);
    segment.write(1000, value, 0, value.length);
    try (RawPeer peer = new RawPeer(server.endpoint().port())) {
      peer.auth(SEGMENT, PeerAuth.proof(server.endpoint().secret(), peer.nonce, SEGMENT));
      peer.read(7, 1000, value.length);
      assertArrayEquals(value, peer.okReply(7, value.length));
    }
  }

  @Test
  void requestsWithoutAuthenticationAreNeverServed() throws IOException {
    try (RawPeer peer = new RawPeer(server.endpoint().port())) {
      peer.write(1, 0, CURRENT_TERM, random(5, 4096)); // no AUTH: the request is no data-protocol AUTH
      assertTrue(peer.closedWithoutReply());
    }
    try (RawPeer peer = new RawPeer(server.endpoint().port())) {
      peer.read(1, 0, 4096);
      assertTrue(peer.closedWithoutReply());
    }
    assertArrayEquals(new byte[4096], segment.read(0, 4096), "nothing was written");
  }

  @Test
  void aWrongOrReplayedProofClosesTheConnectionBeforeAnyRequest() throws IOException {
    byte[] secret = server.endpoint().secret();
    try (RawPeer guess = new RawPeer(server.endpoint().port())) {
      guess.auth(SEGMENT, random(6, PeerWire.PROOF_BYTES));
      guess.write(1, 0, CURRENT_TERM, random(7, 4096));
      assertTrue(guess.closedWithoutReply());
    }
    byte[] replayed;
    try (RawPeer first = new RawPeer(server.endpoint().port())) {
      replayed = PeerAuth.proof(secret, first.nonce, SEGMENT); // valid on this connection only
    }
    try (RawPeer second = new RawPeer(server.endpoint().port())) {
      assertFalse(Arrays.equals(PeerAuth.proof(secret, second.nonce, SEGMENT), replayed), "a fresh nonce");
      second.auth(SEGMENT, replayed);
      second.write(1, 0, CURRENT_TERM, random(8, 4096));
      assertTrue(second.closedWithoutReply());
    }
    try (RawPeer otherSecret = new RawPeer(server.endpoint().port())) { // e.g. a node of another cluster
      otherSecret.auth(SEGMENT, PeerAuth.proof(random(9, PeerAuth.SECRET_BYTES), otherSecret.nonce, SEGMENT));
      otherSecret.read(1, 0, 4096);
      assertTrue(otherSecret.closedWithoutReply());
    }
    try (RawPeer otherSegment = new RawPeer(server.endpoint().port())) { // the right secret, a segment this node does not serve
      otherSegment.auth("node-c", PeerAuth.proof(secret, otherSegment.nonce, "node-c"));
      otherSegment.read(1, 0, 4096);
      assertTrue(otherSegment.closedWithoutReply());
    }
    assertArrayEquals(new byte[4096], segment.read(0, 4096), "nothing was written");
  }
}
