package io.kvcache.replica;

/**
 * Where a shard reports changes to its <em>published</em> objects (those with a readable replica) so a standby master
 * can follow them, and where it frees the memory of published replicas. Frees go through the journal because a standby
 * may still point at those bytes: they wait until the record that dropped the replica is durable (acknowledged by every
 * standby that could be promoted), so a promoted standby never reads bytes a later put overwrote (Mooncake's
 * "durable finalize" for removals and evictions; PutEnd, on the other hand, is visible before it is durable).
 *
 * <p>Called under the shard's lock, a record strictly before the free it justifies. Implementations must be
 * thread-safe (every shard calls the same journal).
 */
public interface ShardJournal {
  /** {@code e} is readable and its readable state (replicas, pins, group) may have changed: record its state now. */
  void objectChanged(ObjectEntry e);

  /** The published object with this encoded key is gone. */
  void objectErased(byte[] key);

  /** Runs {@code free} now, or once everything recorded so far is durable. */
  void deferFree(Runnable free);

  /** No standby: nothing is recorded and memory is freed at once. */
  ShardJournal NONE = new ShardJournal() {
    @Override
    public void objectChanged(ObjectEntry e) {}

    @Override
    public void objectErased(byte[] key) {}

    @Override
    public void deferFree(Runnable free) {
      free.run();
    }
  };
}
