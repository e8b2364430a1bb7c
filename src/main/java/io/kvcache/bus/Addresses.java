package io.kvcache.bus;

/** Every event-bus address of the store, in one place. Per-node addresses take the cluster node id. */
public final class Addresses {
  private Addresses() {}

  /** MountVerticle: storage nodes mount, heart-beat and unmount here. On the active master. */
  public static final String MOUNTS = "kv.mounts";
  /** MetadataVerticle: the metadata API for gateways and task workers on other nodes. On the active master. */
  public static final String METADATA = "kv.metadata";
  /** Master facts a gateway needs before it can route (shard count, limits). */
  public static final String MASTER_INFO = "kv.master.info";
  /** EvictionVerticle on the master: runs a round now and answers with its outcome. */
  public static final String EVICT = "kv.evict";
  /** TaskVerticle on the master: storage nodes fetch their tasks, report outcomes and their SSD contents here. */
  public static final String TASKS = "kv.tasks";

  /** SegmentVerticle of the storage node {@code nodeId}. */
  public static String segment(String nodeId) {
    return "kv.segment." + nodeId;
  }

  /** SsdIoVerticle of the storage node {@code nodeId}. */
  public static String ssd(String nodeId) {
    return "kv.ssd." + nodeId;
  }
}
