package io.kvcache.tasks;

import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.TaskStatus;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class TaskBoardTest {
  private static TaskSpec.Replicate copy() {
    return new TaskSpec.Replicate(false, new byte[] {0, 'k'}, "seg-a", List.of("seg-b"));
  }

  /** A board for copies and moves: {@code limit} unfinished, the given timeout and attempts. */
  private static TaskBoard board(int limit, long timeoutMs, int attempts) {
    return new TaskBoard(100, limit, timeoutMs, attempts);
  }

  @Test
  void tasksGoToTheirNodeAndOnlyThatNodeWithTheTokenCompletesThem() {
    TaskBoard board = board(100, 300_000, 3);
    Task task = board.replicate("node-a", copy()).value();
    assertEquals(TaskStatus.TASK_PENDING, board.query(task.id()).status());
    assertEquals(List.of(), board.fetch("node-b", 10, 0), "another node's tasks are not handed out");
    List<Task> mine = board.fetch("node-a", 10, 0);
    assertEquals(1, mine.size());
    String token = mine.get(0).token();
    assertEquals(TaskStatus.TASK_RUNNING, board.query(task.id()).status());
    assertEquals(ErrorCode.ILLEGAL_CLIENT, board.complete("node-b", task.id(), token, true, "").code(), "wrong node");
    assertEquals(ErrorCode.ILLEGAL_CLIENT, board.complete("node-a", task.id(), "f".repeat(32), true, "").code(),
        "wrong token");
    assertEquals(ErrorCode.TASK_NOT_FOUND, board.complete("node-a", "0".repeat(32), token, true, "").code(),
        "unknown task");
    assertEquals(TaskStatus.TASK_RUNNING, board.query(task.id()).status(), "refused completions change nothing");
    assertEquals(ErrorCode.OK, board.complete("node-a", task.id(), token, true, "done").code());
    assertEquals(TaskStatus.TASK_SUCCEEDED, board.query(task.id()).status());
    assertEquals(ErrorCode.TASK_NOT_FOUND, board.complete("node-a", task.id(), token, false, "").code(), "only once");
  }

  @Test
  void taskIdsAreRandomAndUnique() {
    TaskBoard board = board(10_000, 300_000, 3);
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      ids.add(board.replicate("n", copy()).value().id());
    }
    assertEquals(1000, ids.size());
    assertTrue(ids.stream().allMatch(id -> id.length() == 32));
  }

  @Test
  void pendingLimitIsEnforced() {
    TaskBoard board = board(2, 300_000, 3);
    assertNotNull(board.replicate("n", copy()).value());
    assertNotNull(board.replicate("n", copy()).value());
    assertEquals(ErrorCode.TASK_PENDING_LIMIT_EXCEEDED, board.replicate("n", copy()).code());
  }

  @Test
  void overdueTasksAreRetriedThenFailAndTheirOldTokenIsDead() {
    TaskBoard board = board(10, 1_000, 2);
    Task task = board.replicate("n", copy()).value();
    String first = board.fetch("n", 1, 0).get(0).token();
    board.expire(1_000);
    assertEquals(TaskStatus.TASK_PENDING, board.query(task.id()).status(), "back in the queue for a second attempt");
    String second = board.fetch("n", 1, 1_000).get(0).token();
    assertNotEquals(first, second);
    assertEquals(ErrorCode.ILLEGAL_CLIENT, board.complete("n", task.id(), first, true, "").code());
    board.expire(2_000);
    assertEquals(TaskStatus.TASK_FAILED, board.query(task.id()).status());
    assertEquals(0, board.unfinishedReplications());
  }

  @Test
  void tasksOfALostNodeFail() {
    TaskBoard board = board(10, 1_000, 2);
    Task queued = board.replicate("gone", copy()).value();
    Task running = board.replicate("gone", copy()).value();
    board.fetch("gone", 1, 0);
    board.close("gone");
    assertEquals(TaskStatus.TASK_FAILED, board.query(queued.id()).status());
    assertEquals(TaskStatus.TASK_FAILED, board.query(running.id()).status());
    assertEquals(0, board.unfinishedReplications());
  }
}
