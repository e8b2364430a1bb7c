package io.kvcache.alloc;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class NodeLivenessTest {

  @Test
  void silentNodesExpireAndHeartbeatsKeepNodesAlive() {
    NodeLiveness liveness = new NodeLiveness(10_000);
    String a = liveness.join("a", 0);
    String b = liveness.join("b", 0);
    assertTrue(liveness.heartbeat("a", a, 9_000));
    assertEquals(List.of(), liveness.expire(10_000));
    assertEquals(List.of("b"), liveness.expire(10_001), "b was silent for longer than the TTL");
    assertFalse(liveness.heartbeat("b", b, 10_002), "an expired node is told to re-mount");
    assertTrue(liveness.isAlive("a"));
    assertEquals(List.of("a"), liveness.expire(19_001));
  }

  @Test
  void onlyTheCurrentTokenIsAccepted() {
    NodeLiveness liveness = new NodeLiveness(10_000);
    String first = liveness.join("a", 0);
    assertEquals(32, first.length(), "128-bit tokens");
    assertFalse(liveness.heartbeat("a", "0".repeat(32), 1));
    assertFalse(liveness.heartbeat("a", null, 1));
    assertFalse(liveness.heartbeat("nobody", first, 1));
    String second = liveness.join("a", 2);
    assertNotEquals(first, second);
    assertFalse(liveness.authentic("a", first), "a re-mount invalidates the old token");
    assertTrue(liveness.authentic("a", second));
  }

  @Test
  void restartingEveryTtlForgivesSilenceBeforeItAndKeepsTheTokens() {
    NodeLiveness liveness = new NodeLiveness(3_000);
    liveness.adopt("a", "token-a", 0); // restored by a promoted master that nodes cannot reach yet
    liveness.adopt("b", "token-b", 0);
    liveness.restartAll(4_000); // its address is registered only now
    assertEquals(List.of(), liveness.expire(6_999), "silent only since the restart");
    assertTrue(liveness.heartbeat("a", "token-a", 6_999), "the adopted token still works");
    assertEquals(List.of("b"), liveness.expire(7_001));
    assertTrue(liveness.isAlive("a"));
  }
}
