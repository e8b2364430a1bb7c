package io.kvcache.offload;

import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.TaskStatus;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class TaskBoardTest {
  private static TaskBoard.TaskSpec copy() {
    return new TaskBoard.TaskSpec(false, new byte[] {0, 'k'}, 0, "seg-a", List.of("seg-b"));
  }

  @Test
  void tasksGoToTheirNodeAndOnlyThatNodeWithTheTokenCompletesThem() {
    TaskBoard board = new TaskBoard(100, 300_000, 3);
    TaskBoard.Task task = board.create("node-a", copy());
    assertEquals(TaskStatus.TASK_PENDING, board.query(task.id()).status());
    assertEquals(List.of(), board.fetch("node-b", 10, 0), "another node's tasks are not handed out");
    List<TaskBoard.Task> mine = board.fetch("node-a", 10, 0);
    assertEquals(1, mine.size());
    String token = mine.get(0).token();
    assertEquals(TaskStatus.TASK_RUNNING, board.query(task.id()).status());
    assertEquals(ErrorCode.ILLEGAL_CLIENT, board.complete("node-b", task.id(), token, true, ""), "wrong node");
    assertEquals(ErrorCode.ILLEGAL_CLIENT, board.complete("node-a", task.id(), "f".repeat(32), true, ""), "wrong token");
    assertEquals(ErrorCode.TASK_NOT_FOUND, board.complete("node-a", "0".repeat(32), token, true, ""), "unknown task");
    assertEquals(TaskStatus.TASK_RUNNING, board.query(task.id()).status(), "refused completions change nothing");
    assertEquals(ErrorCode.OK, board.complete("node-a", task.id(), token, true, "done"));
    assertEquals(TaskStatus.TASK_SUCCEEDED, board.query(task.id()).status());
    assertEquals(ErrorCode.TASK_NOT_FOUND, board.complete("node-a", task.id(), token, false, ""), "only once");
  }

  @Test
  void taskIdsAreRandomAndUnique() {
    TaskBoard board = new TaskBoard(10_000, 300_000, 3);
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      ids.add(board.create("n", copy()).id());
    }
    assertEquals(1000, ids.size());
    assertTrue(ids.stream().allMatch(id -> id.length() == 32));
  }

  @Test
  void pendingLimitIsEnforced() {
    TaskBoard board = new TaskBoard(2, 300_000, 3);
    assertNotNull(board.create("n", copy()));
    assertNotNull(board.create("n", copy()));
    assertNull(board.create("n", copy()));
    assertEquals(ErrorCode.TASK_PENDING_LIMIT_EXCEEDED, board.lastError());
  }

  @Test
  void overdueTasksAreRetriedThenFailAndTheirOldTokenIsDead() {
    TaskBoard board = new TaskBoard(10, 1_000, 2);
    TaskBoard.Task task = board.create("n", copy());
    String first = board.fetch("n", 1, 0).get(0).token();
    board.expire(1_000);
    assertEquals(TaskStatus.TASK_PENDING, board.query(task.id()).status(), "back in the queue for a second attempt");
    String second = board.fetch("n", 1, 1_000).get(0).token();
    assertNotEquals(first, second);
    assertEquals(ErrorCode.ILLEGAL_CLIENT, board.complete("n", task.id(), first, true, ""));
    board.expire(2_000);
    assertEquals(TaskStatus.TASK_FAILED, board.query(task.id()).status());
    assertEquals(0, board.unfinished());
  }

  @Test
  void tasksOfALostNodeFail() {
    TaskBoard board = new TaskBoard(10, 1_000, 2);
    TaskBoard.Task queued = board.create("gone", copy());
    TaskBoard.Task running = board.create("gone", copy());
    board.fetch("gone", 1, 0);
    board.nodeGone("gone");
    assertEquals(TaskStatus.TASK_FAILED, board.query(queued.id()).status());
    assertEquals(TaskStatus.TASK_FAILED, board.query(running.id()).status());
    assertEquals(0, board.unfinished());
  }
}
