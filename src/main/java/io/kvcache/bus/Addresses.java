package io.kvcache.bus;

/**
 * Every event-bus address of the store, in one place. Per-node addresses take the cluster node id.
 *
 * <p>The master's addresses are those of the node that holds the master lease now: a node finds it in the lease (see
 * {@link MasterPresence}) and sends to that node's addresses, so a message never reaches a replaced master that has not
 * yet noticed (a frozen one still looks like a member for a few seconds; with one shared address the bus would keep
 * routing part of the traffic to it). A standby registers none of them until it is promoted, and drops them when it
 * loses the lease.
 */
public final class Addresses {
  private Addresses() {}

  /** Master facts (shard count, limits, term), answered by the active master wherever it runs (diagnostics). */
  public static final String MASTER_INFO = "kv.master.info";

  /** MountVerticle of the master on {@code masterNode}: storage nodes mount, heart-beat and unmount here. */
  public static String mounts(String masterNode) {
    return "kv.mounts." + masterNode;
  }

  /** MetadataVerticle of the master on {@code masterNode}: the metadata API for other nodes. */
  public static String metadata(String masterNode) {
    return "kv.metadata." + masterNode;
  }

  /** EvictionVerticle of the master on {@code masterNode}: runs a round now and answers with its outcome. */
  public static String evict(String masterNode) {
    return "kv.evict." + masterNode;
  }

  /** TaskVerticle of the master on {@code masterNode}: storage nodes fetch tasks and report outcomes here. */
  public static String tasks(String masterNode) {
    return "kv.tasks." + masterNode;
  }

  /** ReplicationVerticle of the master on {@code masterNode}: a standby asks here to follow it. */
  public static String replication(String masterNode) {
    return "kv.replication." + masterNode;
  }

  /** SegmentVerticle of the storage node {@code nodeId}. */
  public static String segment(String nodeId) {
    return "kv.segment." + nodeId;
  }

  /** SsdIoVerticle of the storage node {@code nodeId}. */
  public static String ssd(String nodeId) {
    return "kv.ssd." + nodeId;
  }

  /** The standby master-role node {@code nodeId}: the active master's op-log batches arrive here. */
  public static String standby(String nodeId) {
    return "kv.standby." + nodeId;
  }
}
