package io.kvcache.tasks;

import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.TaskStatus;
import io.kvcache.util.Result;
import io.kvcache.util.Tokens;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The master's one board for what storage nodes do on its behalf (reference §1 "Task API", §6 "mailbox"): offloads to
 * SSD, SSD deletions, and copies and moves of replicas. Every task waits in its node's queue; the node pulls its tasks
 * ({@link #fetch}), each handed out RUNNING with a fresh random token and a deadline, and reports each one
 * ({@link #complete}) — accepted only from the node it was handed to, with that token, once; anything else is refused and
 * counted, and changes nothing. A task past its deadline goes back to its queue, or fails after its last attempt.
 *
 * <p>Limits: per node, at most {@code offloadLimit} offloads wait or run (KEYS_ULTRA_LIMIT beyond; an object already
 * waiting is not queued twice); at most {@code replicationLimit} copies and moves are unfinished in all
 * (TASK_PENDING_LIMIT_EXCEEDED), and as many finished ones are remembered for queries. Task ids are random, so a task's
 * status is visible only to whoever was told its id.
 *
 * <p>Thread-safe: one monitor. Shards queue offloads and deletions while holding their own lock (lock order: a shard's
 * lock, then this board's); nothing here calls out while holding it.
 */
public final class TaskBoard {
  private static final class NodeQueue {
    final ArrayDeque<Task> pending = new ArrayDeque<>();
    final Map<ByteBuffer, Task> waitingOffloads = new HashMap<>(); // by key: an object waits once
    final Set<ByteBuffer> waitingDeletes = new HashSet<>();
    boolean takesOffloads;
    int offloads;                                                   // waiting or running
  }

  private final int offloadLimit;
  private final int replicationLimit;
  private final long timeoutMs;
  private final int maxAttempts;
  private final Map<String, NodeQueue> nodes = new HashMap<>();
  private final Map<String, Task> byId = new HashMap<>();
  private final Map<Long, Task> offloadsByNumber = new HashMap<>();
  private final LinkedHashMap<String, Task> finished = new LinkedHashMap<>();
  private final AtomicLong nextNumber = new AtomicLong(Tokens.random64() & Long.MAX_VALUE);
  private final AtomicLong refused = new AtomicLong();
  private int unfinishedReplications;

  public TaskBoard(int offloadLimit, int replicationLimit, long timeoutMs, int maxAttempts) {
    this.offloadLimit = offloadLimit;
    this.replicationLimit = replicationLimit;
    this.timeoutMs = timeoutMs;
    this.maxAttempts = maxAttempts;
  }

  // ------------------------------------------------------------------------------------------------------- queueing

  /** The node's SSD takes offloads (from its mount on). */
  public synchronized void open(String node) {
    queue(node).takesOffloads = true;
  }

  /**
   * The node is gone: its tasks can never run there. Copies and moves fail; offloads and deletions are dropped, and the
   * offloads are returned so their pins can be released.
   */
  public synchronized List<Task> close(String node) {
    NodeQueue q = nodes.remove(node);
    List<Task> offloads = new ArrayList<>();
    List<Task> orphans = new ArrayList<>();
    for (Task t : byId.values()) {
      if (t.node.equals(node) && (t.status == TaskStatus.TASK_PENDING || t.status == TaskStatus.TASK_RUNNING)) {
        orphans.add(t);
      }
    }
    for (Task t : orphans) {
      if (t.spec instanceof TaskSpec.Offload) {
        offloads.add(t);
      }
      finish(q, t, TaskStatus.TASK_FAILED, "node " + node + " left");
    }
    return offloads;
  }

  /** A number for a new offload: its shard pins the replica under it before queueing the task. */
  public long newNumber() {
    return nextNumber.getAndIncrement();
  }

  /** Queues an offload; else UNABLE_OFFLOADING (the node has no SSD here), OBJECT_ALREADY_EXISTS or KEYS_ULTRA_LIMIT. */
  public synchronized Result<Task> offload(String node, long number, byte[] key, int shard, long offset, long size,
                                        long pinId) {
    NodeQueue q = nodes.get(node);
    if (q == null || !q.takesOffloads) {
      return Result.fail(ErrorCode.UNABLE_OFFLOADING);
    }
    ByteBuffer k = ByteBuffer.wrap(key);
    if (q.waitingOffloads.containsKey(k)) {
      return Result.fail(ErrorCode.OBJECT_ALREADY_EXISTS);
    }
    if (q.offloads >= offloadLimit) {
      return Result.fail(ErrorCode.KEYS_ULTRA_LIMIT);
    }
    Task t = add(q, node, number, new TaskSpec.Offload(key, shard, offset, size, pinId));
    q.waitingOffloads.put(k, t);
    q.offloads++;
    offloadsByNumber.put(number, t);
    return Result.ok(t);
  }

  /** Asks {@code node} to delete {@code key} from its SSD (at most one waiting deletion per key). */
  public synchronized void delete(String node, byte[] key) {
    NodeQueue q = nodes.get(node);
    if (q != null && q.takesOffloads && q.waitingDeletes.add(ByteBuffer.wrap(key))) {
      add(q, node, 0, new TaskSpec.Delete(key));
    }
  }

  /** Queues a copy or move for the node holding its source. */
  public synchronized Result<Task> replicate(String node, TaskSpec.Replicate spec) {
    if (unfinishedReplications >= replicationLimit) {
      return Result.fail(ErrorCode.TASK_PENDING_LIMIT_EXCEEDED);
    }
    unfinishedReplications++;
    return Result.ok(add(queue(node), node, 0, spec));
  }

  private NodeQueue queue(String node) {
    return nodes.computeIfAbsent(node, n -> new NodeQueue());
  }

  private Task add(NodeQueue q, String node, long number, TaskSpec spec) {
    Task t = new Task(Tokens.random128(), number, node, spec);
    byId.put(t.id, t);
    q.pending.add(t);
    return t;
  }

  // ------------------------------------------------------------------------------------------------ running tasks

  /** Hands up to {@code max} of its waiting tasks to {@code node}, oldest first, each RUNNING with a fresh token. */
  public synchronized List<Task> fetch(String node, int max, long nowMs) {
    NodeQueue q = nodes.get(node);
    List<Task> out = new ArrayList<>();
    while (q != null && !q.pending.isEmpty() && out.size() < max) {
      Task t = q.pending.poll();
      if (t.spec instanceof TaskSpec.Offload o) {
        q.waitingOffloads.remove(ByteBuffer.wrap(o.key()));
      } else if (t.spec instanceof TaskSpec.Delete d) {
        q.waitingDeletes.remove(ByteBuffer.wrap(d.key()));
      }
      t.status = TaskStatus.TASK_RUNNING;
      t.token = Tokens.random128();
      t.deadlineMs = nowMs + timeoutMs;
      t.attempts++;
      out.add(t);
    }
    return out;
  }

  /**
   * Finishes a RUNNING task: only its node, only with its current token, only once. TASK_NOT_FOUND (unknown, not
   * running, cancelled) or ILLEGAL_CLIENT (another node, a wrong token) otherwise; refusals are counted.
   */
  public synchronized Result<Task> complete(String node, String taskId, String token, boolean success,
                                            String message) {
    Task t = byId.get(taskId);
    if (t == null || t.status != TaskStatus.TASK_RUNNING) {
      refused.incrementAndGet();
      return Result.fail(ErrorCode.TASK_NOT_FOUND);
    }
    if (!t.node.equals(node) || !Tokens.matches(t.token, token)) {
      refused.incrementAndGet();
      return Result.fail(ErrorCode.ILLEGAL_CLIENT);
    }
    finish(nodes.get(node), t, success ? TaskStatus.TASK_SUCCEEDED : TaskStatus.TASK_FAILED, message);
    return Result.ok(t);
  }

  /** Forgets offload {@code number} (its pin expired or its object went away): a late completion is refused. */
  public synchronized void cancel(long number) {
    Task t = offloadsByNumber.get(number);
    if (t != null) {
      finish(nodes.get(t.node), t, TaskStatus.TASK_FAILED, "cancelled");
    }
  }

  /**
   * RUNNING tasks past their deadline go back to their node's queue, or fail after their last attempt; returns the
   * offloads that failed for good (their pins are to be released).
   */
  public synchronized List<Task> expire(long nowMs) {
    List<Task> overdue = new ArrayList<>();
    for (Task t : byId.values()) {
      if (t.status == TaskStatus.TASK_RUNNING && t.deadlineMs <= nowMs) {
        overdue.add(t);
      }
    }
    List<Task> failedOffloads = new ArrayList<>();
    for (Task t : overdue) {
      NodeQueue q = nodes.get(t.node);
      if (t.attempts >= maxAttempts || q == null) {
        finish(q, t, TaskStatus.TASK_FAILED, "timed out " + t.attempts + " times");
        if (t.spec instanceof TaskSpec.Offload) {
          failedOffloads.add(t);
        }
      } else {
        t.status = TaskStatus.TASK_PENDING;
        t.token = null;
        q.pending.add(t);
        if (t.spec instanceof TaskSpec.Offload o) {
          q.waitingOffloads.putIfAbsent(ByteBuffer.wrap(o.key()), t);
        }
      }
    }
    return failedOffloads;
  }

  private void finish(NodeQueue q, Task t, TaskStatus status, String message) {
    t.status = status;
    t.message = message;
    t.token = null;
    if (q != null) {
      q.pending.remove(t);
    }
    switch (t.spec) {
      case TaskSpec.Offload o -> {
        offloadsByNumber.remove(t.number);
        byId.remove(t.id);
        if (q != null) {
          q.waitingOffloads.remove(ByteBuffer.wrap(o.key()), t);
          q.offloads--;
        }
      }
      case TaskSpec.Delete d -> {
        byId.remove(t.id);
        if (q != null) {
          q.waitingDeletes.remove(ByteBuffer.wrap(d.key()));
        }
      }
      case TaskSpec.Replicate r -> {
        unfinishedReplications--;
        finished.put(t.id, t);
        if (finished.size() > replicationLimit) { // remember only the newest finished copies and moves
          Iterator<Map.Entry<String, Task>> oldest = finished.entrySet().iterator();
          byId.remove(oldest.next().getKey());
          oldest.remove();
        }
      }
    }
  }

  // ------------------------------------------------------------------------------------------------------- queries

  /** The task {@code id} (unfinished, or among the remembered finished copies and moves), or null. */
  public synchronized Task query(String id) {
    return byId.get(id);
  }

  /** A consistent view of a copy or move, for QueryTask. */
  public record View(TaskStatus status, String message, String node) {}

  /** The copy or move {@code id} as it stands now; null if unknown (or not a copy or move). */
  public synchronized View view(String id) {
    Task t = byId.get(id);
    return t == null || !(t.spec instanceof TaskSpec.Replicate) ? null : new View(t.status, t.message, t.node);
  }

  /** Offloads waiting for or being written to {@code node}'s SSD (the queue-depth metric). */
  public synchronized int depth(String node) {
    NodeQueue q = nodes.get(node);
    return q == null ? 0 : q.offloads;
  }

  /** Copies and moves not finished yet. */
  public synchronized int unfinishedReplications() {
    return unfinishedReplications;
  }

  /** Completions refused so far (wrong node, unknown task, bad token, repeated). */
  public long refused() {
    return refused.get();
  }
}
