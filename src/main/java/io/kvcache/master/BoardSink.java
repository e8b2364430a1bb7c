package io.kvcache.master;

import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.replica.OffloadSink;
import io.kvcache.tasks.TaskBoard;

/** The shards' {@link OffloadSink}: the master's task board. */
final class BoardSink implements OffloadSink {
  private final TaskBoard board;

  BoardSink(TaskBoard board) {
    this.board = board;
  }

  @Override
  public long newTaskId() {
    return board.newNumber();
  }

  @Override
  public ErrorCode push(String node, long taskId, byte[] key, int shard, long offset, long size, long pinId) {
    return board.offload(node, taskId, key, shard, offset, size, pinId).code();
  }

  @Override
  public void cancel(long taskId) {
    board.cancel(taskId);
  }

  @Override
  public void deleteOnNode(String node, byte[] key) {
    board.delete(node, key);
  }
}
