package io.kvcache.bus;

/** Every event-bus address of the store, in one place. Per-node addresses take the cluster node id. */
public final class Addresses {
  private Addresses() {}

  /** AllocationVerticle: mount/unmount/usage. One consumer, on the active master. */
  public static final String ALLOC = "kv.alloc";
  /** Master facts a gateway needs before it can route (shard count, limits). */
  public static final String MASTER_INFO = "kv.master.info";
  /** EvictionVerticle on the master: runs a round now and answers with its outcome. */
  public static final String EVICT = "kv.evict";
  /** TaskVerticle on the master: the copy/move task board. */
  public static final String TASKS = "kv.tasks";
  /** OffloadVerticle on the master: storage nodes fetch offload tasks and report outcomes here. */
  public static final String OFFLOAD = "kv.offload";

  /** ReplicaVerticle owning {@code shard}. */
  public static String replica(int shard) {
    return "kv.replica." + shard;
  }

  /** SegmentVerticle of the storage node {@code nodeId}. */
  public static String segment(String nodeId) {
    return "kv.segment." + nodeId;
  }

  /** SsdIoVerticle of the storage node {@code nodeId}. */
  public static String ssd(String nodeId) {
    return "kv.ssd." + nodeId;
  }
}
