package io.kvcache.tasks;

import io.kvcache.proto.v1.TaskStatus;

/**
 * One task on the board: a random 128-bit id, the node that runs it, what to do, and its state. While it is RUNNING it
 * carries a fresh random token that only the node it was handed to knows; a completion must present both.
 *
 * <p>Guarded by its board's lock; the accessors give a consistent view only while the caller holds it or after the
 * board returned the task from a call.
 */
public final class Task {
  final String id;
  final long number;
  final String node;
  final TaskSpec spec;
  TaskStatus status = TaskStatus.TASK_PENDING;
  String token;
  String message = "";
  long deadlineMs;
  int attempts;

  Task(String id, long number, String node, TaskSpec spec) {
    this.id = id;
    this.number = number;
    this.node = node;
    this.spec = spec;
  }

  public String id() {
    return id;
  }

  /** The number the master's shards know an offload by (the owner of its pin). */
  public long number() {
    return number;
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
