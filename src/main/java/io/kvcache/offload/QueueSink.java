package io.kvcache.offload;

import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.replica.OffloadSink;

/** The shards' {@link OffloadSink}: the master's per-node {@link OffloadQueues}. */
public final class QueueSink implements OffloadSink {
  private final OffloadQueues queues;

  public QueueSink(OffloadQueues queues) {
    this.queues = queues;
  }

  @Override
  public long newTaskId() {
    return queues.newTaskId();
  }

  @Override
  public ErrorCode push(String node, long taskId, byte[] key, int shard, long offset, long size, long pinId) {
    return queues.push(node, taskId, key, shard, offset, size, pinId);
  }

  @Override
  public void cancel(String node, long taskId, byte[] key) {
    queues.cancel(node, taskId, key);
  }

  @Override
  public void deleteOnNode(String node, byte[] key) {
    queues.deleteOnNode(node, key);
  }
}
