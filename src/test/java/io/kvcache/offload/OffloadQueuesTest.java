package io.kvcache.offload;

import io.kvcache.proto.v1.ErrorCode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class OffloadQueuesTest {
  private static byte[] key(String k) {
    return k.getBytes();
  }

  @Test
  void queuesAreDeduplicatedBoundedAndOnlyForNodesWithAnSsd() {
    OffloadQueues q = new OffloadQueues(3);
    assertEquals(ErrorCode.UNABLE_OFFLOADING, q.push("n", 1, key("a"), 0, 0, 10, 1), "no queue for this node");
    q.open("n");
    assertEquals(ErrorCode.OK, q.push("n", 1, key("a"), 0, 0, 10, 1));
    assertEquals(ErrorCode.OBJECT_ALREADY_EXISTS, q.push("n", 2, key("a"), 0, 0, 10, 2));
    assertEquals(ErrorCode.OK, q.push("n", 3, key("b"), 0, 0, 10, 3));
    assertEquals(ErrorCode.OK, q.push("n", 4, key("c"), 0, 0, 10, 4));
    assertEquals(ErrorCode.KEYS_ULTRA_LIMIT, q.push("n", 5, key("d"), 0, 0, 10, 5));
    assertEquals(3, q.depth("n"));
    assertEquals(2, q.drain("n", 2).size());
    assertEquals(3, q.depth("n"), "handed-out tasks still count until they complete");
  }

  @Test
  void onlyTheNodeHoldingATaskCompletesItWithItsTokenAndOnlyOnce() {
    OffloadQueues q = new OffloadQueues(10);
    q.open("a");
    q.open("b");
    q.push("a", 7, key("k"), 0, 0, 10, 1);
    assertNull(q.complete("a", 7, "whatever"), "not handed out yet");
    OffloadQueues.Task task = q.drain("a", 10).get(0);
    assertNull(q.complete("b", 7, task.token()), "wrong node");
    assertNull(q.complete("a", 7, "0".repeat(32)), "guessed token");
    assertNull(q.complete("a", 8, task.token()), "wrong task");
    assertSame(task, q.complete("a", 7, task.token()));
    assertNull(q.complete("a", 7, task.token()), "only once");
    assertEquals(5, q.refused());
  }

  @Test
  void cancelledTasksCannotCompleteAndDeletionsAreHandedOutOnce() {
    OffloadQueues q = new OffloadQueues(10);
    q.open("a");
    q.push("a", 1, key("x"), 0, 0, 10, 1);
    q.push("a", 2, key("y"), 0, 0, 10, 2);
    OffloadQueues.Task x = q.drain("a", 1).get(0);
    q.cancel("a", 1, key("x"));
    q.cancel("a", 2, key("y"));
    assertNull(q.complete("a", 1, x.token()));
    assertEquals(0, q.depth("a"));
    q.deleteOnNode("a", key("gone"));
    assertEquals(1, q.takeDeletions("a", 10).size());
    assertEquals(List.of(), q.takeDeletions("a", 10));
  }
}
