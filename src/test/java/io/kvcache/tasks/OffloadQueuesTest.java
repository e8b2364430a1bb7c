package io.kvcache.tasks;

import io.kvcache.proto.v1.ErrorCode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The board's offload and deletion queues (one per storage node with an SSD). */
class OffloadQueuesTest {
  private static byte[] key(String k) {
    return k.getBytes();
  }

  private static TaskBoard board(int offloadLimit) {
    return new TaskBoard(offloadLimit, 100, 300_000, 3);
  }

  @Test
  void queuesAreDeduplicatedBoundedAndOnlyForNodesWithAnSsd() {
    TaskBoard q = board(3);
    assertEquals(ErrorCode.UNABLE_OFFLOADING, q.offload("n", 1, key("a"), 0, 0, 10, 1).code(), "no queue for this node");
    q.open("n");
    assertEquals(ErrorCode.OK, q.offload("n", 1, key("a"), 0, 0, 10, 1).code());
    assertEquals(ErrorCode.OBJECT_ALREADY_EXISTS, q.offload("n", 2, key("a"), 0, 0, 10, 2).code());
    assertEquals(ErrorCode.OK, q.offload("n", 3, key("b"), 0, 0, 10, 3).code());
    assertEquals(ErrorCode.OK, q.offload("n", 4, key("c"), 0, 0, 10, 4).code());
    assertEquals(ErrorCode.KEYS_ULTRA_LIMIT, q.offload("n", 5, key("d"), 0, 0, 10, 5).code());
    assertEquals(3, q.depth("n"));
    assertEquals(2, q.fetch("n", 2, 0).size());
    assertEquals(3, q.depth("n"), "handed-out tasks still count until they complete");
  }

  @Test
  void onlyTheNodeHoldingATaskCompletesItWithItsTokenAndOnlyOnce() {
    TaskBoard q = board(10);
    q.open("a");
    q.open("b");
    Task waiting = q.offload("a", 7, key("k"), 0, 0, 10, 1).value();
    assertEquals(ErrorCode.TASK_NOT_FOUND, q.complete("a", waiting.id(), "whatever", true, "").code(),
        "not handed out yet");
    Task task = q.fetch("a", 10, 0).get(0);
    assertEquals(ErrorCode.ILLEGAL_CLIENT, q.complete("b", task.id(), task.token(), true, "").code(), "wrong node");
    assertEquals(ErrorCode.ILLEGAL_CLIENT, q.complete("a", task.id(), "0".repeat(32), true, "").code(),
        "guessed token");
    assertEquals(ErrorCode.TASK_NOT_FOUND, q.complete("a", task.id() + "x", task.token(), true, "").code(),
        "wrong task");
    assertSame(task, q.complete("a", task.id(), task.token(), true, "").value());
    assertEquals(ErrorCode.TASK_NOT_FOUND, q.complete("a", task.id(), task.token(), true, "").code(), "only once");
    assertEquals(5, q.refused());
  }

  @Test
  void cancelledTasksCannotCompleteAndDeletionsAreHandedOutOnce() {
    TaskBoard q = board(10);
    q.open("a");
    q.offload("a", 1, key("x"), 0, 0, 10, 1);
    q.offload("a", 2, key("y"), 0, 0, 10, 2);
    Task x = q.fetch("a", 1, 0).get(0);
    q.cancel(1);
    q.cancel(2);
    assertEquals(ErrorCode.TASK_NOT_FOUND, q.complete("a", x.id(), x.token(), true, "").code());
    assertEquals(0, q.depth("a"));
    q.delete("a", key("gone"));
    List<Task> deletions = q.fetch("a", 10, 0);
    assertEquals(1, deletions.size());
    assertInstanceOf(TaskSpec.Delete.class, deletions.get(0).spec());
    assertEquals(List.of(), q.fetch("a", 10, 0));
  }
}
