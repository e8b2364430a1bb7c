package io.kvcache.replica;

import io.kvcache.proto.v1.ErrorCode;

/** Where a shard queues objects for a storage node's SSD (implemented by the master's task board). Thread-safe. */
public interface OffloadSink {
  long newTaskId();

  /** OK, or why not: UNABLE_OFFLOADING, OBJECT_ALREADY_EXISTS (already queued), KEYS_ULTRA_LIMIT. */
  ErrorCode push(String node, long taskId, byte[] key, int shard, long offset, long size, long pinId);

  /** The task will not complete (its pin expired or its object went away): refuse any later completion. */
  void cancel(long taskId);

  /** The node should delete {@code key} from its SSD: the master dropped that replica. */
  void deleteOnNode(String node, byte[] key);

  /** No offloading (offload disabled on the master). */
  OffloadSink NONE = new OffloadSink() {
    @Override
    public long newTaskId() {
      return 0;
    }

    @Override
    public ErrorCode push(String node, long taskId, byte[] key, int shard, long offset, long size, long pinId) {
      return ErrorCode.UNABLE_OFFLOAD;
    }

    @Override
    public void cancel(long taskId) {}

    @Override
    public void deleteOnNode(String node, byte[] key) {}
  };
}
