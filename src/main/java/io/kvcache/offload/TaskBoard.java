package io.kvcache.offload;

import io.kvcache.util.Tokens;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.TaskStatus;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The master's copy/move task board (reference §1 "Task API"): tasks are queued for the storage node holding the
 * source, handed out by {@link #fetch} (each with a random token known only to that node), and finished by
 * {@link #complete} — accepted only from the node the task was given to, carrying its token. A running task that
 * outlives its timeout is retried (up to the retry limit) or fails; at most {@code limit} tasks wait and {@code limit}
 * finished ones are remembered for queries.
 *
 * <p>Not thread-safe: owned by the TaskVerticle's event loop. Task ids are random (not sequential), so a task's status
 * is only visible to whoever was told its id.
 */
public final class TaskBoard {
  /** One task and its state. */
  public static final class Task {
    final String id;
    final String node;
    final TaskSpec spec;
    TaskStatus status = TaskStatus.TASK_PENDING;
    String token;
    String message = "";
    long deadlineMs;
    int attempts;

    Task(String id, String node, TaskSpec spec) {
      this.id = id;
      this.node = node;
      this.spec = spec;
    }

    public String id() {
      return id;
    }

    public String node() {
      return node;
    }

    public TaskSpec spec() {
      return spec;
    }

    public String token() {
      return token;
    }

    public TaskStatus status() {
      return status;
    }

    public String message() {
      return message;
    }
  }

  /** What to do: copy the source's object to targets, or move it. {@code key} is the encoded key. */
  public record TaskSpec(boolean move, byte[] key, int shard, String sourceSegment, List<String> targetSegments) {}

  private final int limit;
  private final long timeoutMs;
  private final int maxAttempts;
  private final Map<String, Task> tasks = new HashMap<>();
  private final Map<String, ArrayDeque<Task>> pendingByNode = new HashMap<>();
  private final LinkedHashMap<String, Task> finished = new LinkedHashMap<>();
  private int unfinished;
  private ErrorCode lastError = ErrorCode.OK;

  public TaskBoard(int limit, long timeoutMs, int maxAttempts) {
    this.limit = limit;
    this.timeoutMs = timeoutMs;
    this.maxAttempts = maxAttempts;
  }

  public ErrorCode lastError() {
    return lastError;
  }

  /** Queues a task for {@code node}; null when too many tasks are waiting (TASK_PENDING_LIMIT_EXCEEDED). */
  public Task create(String node, TaskSpec spec) {
    if (unfinished >= limit) {
      lastError = ErrorCode.TASK_PENDING_LIMIT_EXCEEDED;
      return null;
    }
    Task task = new Task(Tokens.random128(), node, spec);
    tasks.put(task.id, task);
    pendingByNode.computeIfAbsent(node, n -> new ArrayDeque<>()).add(task);
    unfinished++;
    lastError = ErrorCode.OK;
    return task;
  }

  /** Hands up to {@code max} of its pending tasks to {@code node}, each with a fresh token, now RUNNING. */
  public List<Task> fetch(String node, int max, long nowMs) {
    List<Task> out = new ArrayList<>();
    ArrayDeque<Task> queue = pendingByNode.get(node);
    while (queue != null && !queue.isEmpty() && out.size() < max) {
      Task t = queue.poll();
      t.status = TaskStatus.TASK_RUNNING;
      t.token = Tokens.random128();
      t.deadlineMs = nowMs + timeoutMs;
      t.attempts++;
      out.add(t);
    }
    return out;
  }

  /** Finishes a RUNNING task: only its node, only with its current token. */
  public ErrorCode complete(String node, String taskId, String taskToken, boolean success, String message) {
    Task t = tasks.get(taskId);
    if (t == null || t.status != TaskStatus.TASK_RUNNING) {
      return ErrorCode.TASK_NOT_FOUND;
    }
    if (!t.node.equals(node) || !Tokens.matches(t.token, taskToken)) {
      return ErrorCode.ILLEGAL_CLIENT;
    }
    finish(t, success ? TaskStatus.TASK_SUCCEEDED : TaskStatus.TASK_FAILED, message);
    return ErrorCode.OK;
  }

  public Task query(String taskId) {
    return tasks.get(taskId);
  }

  /** RUNNING tasks past their deadline go back to their node's queue, or fail after the last attempt. */
  public void expire(long nowMs) {
    List<Task> overdue = new ArrayList<>();
    for (Task t : tasks.values()) {
      if (t.status == TaskStatus.TASK_RUNNING && t.deadlineMs <= nowMs) {
        overdue.add(t);
      }
    }
    for (Task t : overdue) {
      if (t.attempts >= maxAttempts) {
        finish(t, TaskStatus.TASK_FAILED, "timed out " + t.attempts + " times");
      } else {
        t.status = TaskStatus.TASK_PENDING;
        t.token = null;
        pendingByNode.computeIfAbsent(t.node, n -> new ArrayDeque<>()).add(t);
      }
    }
  }

  /** Tasks of a node that left: they can never run there; they fail. */
  public void nodeGone(String node) {
    ArrayDeque<Task> queue = pendingByNode.remove(node);
    List<Task> orphans = new ArrayList<>(queue == null ? List.of() : queue);
    for (Task t : tasks.values()) {
      if (t.node.equals(node) && t.status == TaskStatus.TASK_RUNNING) {
        orphans.add(t);
      }
    }
    orphans.forEach(t -> finish(t, TaskStatus.TASK_FAILED, "node " + node + " left"));
  }

  public int unfinished() {
    return unfinished;
  }

  private void finish(Task t, TaskStatus status, String message) {
    t.status = status;
    t.message = message;
    t.token = null;
    unfinished--;
    ArrayDeque<Task> queue = pendingByNode.get(t.node);
    if (queue != null) {
      queue.remove(t);
    }
    finished.put(t.id, t);
    if (finished.size() > limit) { // remember only the newest finished tasks
      Iterator<Map.Entry<String, Task>> oldest = finished.entrySet().iterator();
      tasks.remove(oldest.next().getKey());
      oldest.remove();
    }
  }

}
