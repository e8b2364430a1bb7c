package io.kvcache.storage.peer;

import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.segment.DramSegment;
import io.kvcache.ssd.load.LoadBuffers;
import io.kvcache.testing.TestNodes;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * LOADED reads over the data connection: a reader on another node takes the objects an SSD node loaded into its load
 * buffers for it, byte-exact, and nothing else — not another owner's batch, not a released or reclaimed one, not more
 * than the slot, and nothing at all before the connection authenticated. Time is the test's: the buffers' lease runs on
 * the clock values the test passes.
 */
class PeerLoadedReadTest {
  private static final String SSD_NODE = "ssd-node";   // an SSD and no segment
  private static final String SEGMENT_NODE = "seg-node"; // a segment and no SSD
  private static final long LEASE_MS = 1_000;

  private Vertx vertx;
  private Vertx segmentNodeVertx; // its own: servers of one Vert.x on port 0 would share one port
  private Arena arena;
  private LoadBuffers buffers;
  private DramSegment segment;
  private PeerDataServer ssdServer;
  private PeerDataClient client;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    arena = Arena.ofShared();
    buffers = new LoadBuffers(arena.allocate(1 << 20, LoadBuffers.PAGE), LEASE_MS);
    segment = new DramSegment(1 << 20);
    PeerDirectory directory = new PeerDirectory(vertx);
    ssdServer = TestNodes.await(PeerDataServer.start(vertx, directory, SSD_NODE, "127.0.0.1", 0, 1, null, buffers,
        SSD_NODE, term -> true));
    segmentNodeVertx = Vertx.vertx();
    PeerDataServer segmentServer = TestNodes.await(PeerDataServer.start(segmentNodeVertx,
        new PeerDirectory(segmentNodeVertx), SEGMENT_NODE, "127.0.0.1", 0, 1, segment, null, SEGMENT_NODE, term -> true));
    TestNodes.await(directory.publish(SEGMENT_NODE, segmentServer.endpoint()));
    client = new PeerDataClient(vertx, directory, 10_000);
  }

  @AfterEach
  void stop() {
    client.close();
    TestNodes.close(vertx);
    TestNodes.close(segmentNodeVertx);
    segment.close();
    arena.close();
  }

  /** A batch of one object of {@code value.length} bytes for {@code owner}, its slot filled with {@code value}. */
  private LoadBuffers.Batch loaded(String owner, byte[] value, long nowMs) {
    LoadBuffers.Batch batch = buffers.allocate(owner, new long[] {value.length}, nowMs).value();
    MemorySegment.copy(MemorySegment.ofArray(value), 0, batch.slot(0), 0, value.length);
    return batch;
  }

  private static byte[] random(long seed, int n) {
    byte[] b = new byte[n];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  private byte[] readLoaded(String node, String batchId, String owner, int index, int length) {
    ByteBuf got = TestNodes.await(client.readLoaded(node, node, batchId, owner, index, length));
    try {
      return ByteBufUtil.getBytes(got);
    } finally {
      got.release();
    }
  }

  private ErrorCode refusal(String node, String batchId, String owner, int index, int length) {
    return assertThrows(PeerFailure.class,
        () -> TestNodes.await(client.readLoaded(node, node, batchId, owner, index, length))).code;
  }

  @Test
  void theOwnerReadsItsLoadedObjectByteExactAndNobodyElseDoes() {
    byte[] value = random(1, 300_000);
    LoadBuffers.Batch batch = loaded("gateway-a/1", value, 0);
    assertArrayEquals(value, readLoaded(SSD_NODE, batch.id(), "gateway-a/1", 0, value.length));
    assertArrayEquals(java.util.Arrays.copyOf(value, 1000), readLoaded(SSD_NODE, batch.id(), "gateway-a/1", 0, 1000),
        "a prefix");
    assertEquals(ErrorCode.INVALID_PARAMS, refusal(SSD_NODE, batch.id(), "gateway-b/2", 0, value.length),
        "another owner");
    assertEquals(ErrorCode.INVALID_PARAMS, refusal(SSD_NODE, "0".repeat(31) + "1", "gateway-a/1", 0, 10),
        "a guessed batch id");
    assertEquals(ErrorCode.INVALID_PARAMS, refusal(SSD_NODE, batch.id(), "gateway-a/1", 1, 10), "no object 1");
    assertEquals(ErrorCode.INVALID_PARAMS, refusal(SSD_NODE, batch.id(), "gateway-a/1", -1, 10), "no object -1");
    long slot = batch.slot(0).byteSize();
    assertEquals(ErrorCode.INVALID_PARAMS, refusal(SSD_NODE, batch.id(), "gateway-a/1", 0, (int) slot + 1),
        "more than the slot holds");
    assertArrayEquals(value, readLoaded(SSD_NODE, batch.id(), "gateway-a/1", 0, value.length),
        "the connection still serves after the refusals");
  }

  @Test
  void aReleasedOrReclaimedBatchIsNeverSent() {
    byte[] first = random(2, 8192);
    LoadBuffers.Batch released = loaded("gateway-a/1", first, 0);
    assertEquals(ErrorCode.OK, buffers.release(released.id(), "gateway-a/1"));
    byte[] reuse = random(3, 8192);
    LoadBuffers.Batch next = loaded("gateway-b/2", reuse, 0); // may take the released slot
    assertEquals(ErrorCode.INVALID_PARAMS, refusal(SSD_NODE, released.id(), "gateway-a/1", 0, first.length));

    assertEquals(1, buffers.gc(LEASE_MS), "the forgotten batch's lease ran out");
    assertEquals(ErrorCode.INVALID_PARAMS, refusal(SSD_NODE, next.id(), "gateway-b/2", 0, reuse.length));
    assertEquals(0, buffers.usedBytes());
  }

  @Test
  void aNodeWithoutAnSsdRefusesLoadedReadsAndOneWithoutASegmentRefusesSegmentReads() {
    assertEquals(ErrorCode.INVALID_PARAMS, refusal(SEGMENT_NODE, "0".repeat(32), "gateway-a/1", 0, 10));
    PeerFailure noSegment = assertThrows(PeerFailure.class,
        () -> TestNodes.await(client.read(SSD_NODE, SSD_NODE, 0, 10)));
    assertEquals(ErrorCode.INVALID_PARAMS, noSegment.code);
    PeerFailure noSegmentWrite = assertThrows(PeerFailure.class, () -> TestNodes.await(
        client.write(SSD_NODE, SSD_NODE, 0, 1, io.netty.buffer.Unpooled.wrappedBuffer(new byte[4096]))));
    assertEquals(ErrorCode.INVALID_PARAMS, noSegmentWrite.code);
  }

  @Test
  void loadedReadsWithoutAuthenticationOrWithAnUnboundedReferenceCloseTheConnection() throws IOException {
    byte[] value = random(4, 4096);
    LoadBuffers.Batch batch = loaded("gateway-a/1", value, 0);
    byte[] ref = (batch.id() + " gateway-a/1").getBytes(StandardCharsets.UTF_8);
    int port = ssdServer.endpoint().port();
    try (RawPeer stranger = new RawPeer(port)) { // knows the batch and owner, not the cluster's secret
      stranger.loaded(1, 0, value.length, ref.length, ref);
      assertTrue(stranger.closedWithoutReply());
    }
    byte[] secret = ssdServer.endpoint().secret();
    try (RawPeer member = new RawPeer(port)) {
      member.auth(SSD_NODE, PeerAuth.proof(secret, member.nonce, SSD_NODE));
      member.loaded(1, 0, 0, PeerWire.MAX_LOADED_REF_BYTES + 1, new byte[0]);
      assertTrue(member.closedWithoutReply(), "a reference longer than any batch's is not waited for");
    }
    try (RawPeer member = new RawPeer(port)) {
      member.auth(SSD_NODE, PeerAuth.proof(secret, member.nonce, SSD_NODE));
      member.loaded(9, 0, value.length, ref.length, ref);
      assertArrayEquals(value, member.okReply(9, value.length));
    }
    assertEquals(1, buffers.liveBatches(), "reading does not release: the owner does");
  }
}
