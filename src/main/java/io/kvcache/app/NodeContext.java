package io.kvcache.app;

import io.kvcache.alloc.LocalDiskRegistry;
import io.kvcache.alloc.NodeLiveness;
import io.kvcache.offload.OffloadQueues;
import io.kvcache.offload.OffloadWorker;
import io.kvcache.alloc.SegmentRegistry;
import io.kvcache.segment.DramSegment;
import io.kvcache.ssd.SsdNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;

/**
 * What the verticles of one node share: its options and identity, its metrics registry, and the in-process objects that
 * several verticles of the node use directly (the master's segment registry; the storage node's DRAM segment, which the
 * local gateway reads and writes without an event-bus hop).
 *
 * <p>Thread-safety: fields are set once before the verticles that read them are deployed ({@code localSegment} is
 * volatile because the SegmentVerticle publishes it after its blocking allocation).
 */
public final class NodeContext {
  private final KvStoreOptions options;
  private final Vertx vertx;
  private final String nodeId;
  private final MeterRegistry meters;
  private final ClusterMembership membership;
  private final SegmentRegistry segmentRegistry = new SegmentRegistry();
  private final NodeLiveness nodeLiveness;
  private final LocalDiskRegistry localDisks = new LocalDiskRegistry();
  private final OffloadQueues offloadQueues;
  private volatile DramSegment localSegment;
  private volatile String sessionToken;
  private volatile MasterView master;
  private volatile SsdNode ssd;
  private volatile boolean offloadAccepted;
  private volatile OffloadWorker offloadWorker;

  public NodeContext(KvStoreOptions options, Vertx vertx, String nodeId, MeterRegistry meters,
                     ClusterMembership membership) {
    this.options = options;
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.meters = meters;
    this.membership = membership;
    this.nodeLiveness = new NodeLiveness(options.clientLiveTtlMs());
    this.offloadQueues = new OffloadQueues(options.offloadQueueLimit());
  }

  /** The storage nodes' SSDs the master may offload to (used only on the master node). */
  public LocalDiskRegistry localDisks() {
    return localDisks;
  }

  /** Per storage node, the objects waiting for its SSD (used only on the master node). */
  public OffloadQueues offloadQueues() {
    return offloadQueues;
  }

  /** The storage nodes the master considers alive, and their session tokens (used only on the master node). */
  public NodeLiveness nodeLiveness() {
    return nodeLiveness;
  }

  public KvStoreOptions options() {
    return options;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** The Vert.x cluster node id: event-bus addresses of this node's segment and SSD verticles use it. */
  public String nodeId() {
    return nodeId;
  }

  public MeterRegistry meters() {
    return meters;
  }

  public ClusterMembership membership() {
    return membership;
  }

  /** The master's view of mounted segments (used only on the master node). */
  public SegmentRegistry segmentRegistry() {
    return segmentRegistry;
  }

  public DramSegment localSegment() {
    return localSegment;
  }

  public void publishLocalSegment(DramSegment segment) {
    this.localSegment = segment;
  }

  /** The master's shards and shared state (null unless this node runs the master role). */
  public MasterView master() {
    return master;
  }

  public void publishMaster(MasterView view) {
    this.master = view;
  }

  /** This storage node's SSD (null unless it takes offloads). */
  public SsdNode ssd() {
    return ssd;
  }

  public void publishSsd(SsdNode ssd) {
    this.ssd = ssd;
  }

  public OffloadWorker offloadWorker() {
    return offloadWorker;
  }

  public void publishOffloadWorker(OffloadWorker worker) {
    this.offloadWorker = worker;
  }

  /** Whether the master accepted this node's SSD for offloads at its last mount. */
  public boolean offloadAccepted() {
    return offloadAccepted;
  }

  public void publishOffloadAccepted(boolean accepted) {
    this.offloadAccepted = accepted;
  }

  /** This storage node's session token with the master (null until its segment is mounted). */
  public String sessionToken() {
    return sessionToken;
  }

  public void publishSessionToken(String token) {
    this.sessionToken = token;
  }

  /** Delivery options for every event-bus request: the configured timeout. */
  public DeliveryOptions requestOptions() {
    return new DeliveryOptions().setSendTimeout(options.requestTimeoutMs());
  }

  /** This node's gRPC endpoint as other nodes and clients should dial it. */
  public String endpoint(int grpcPort) {
    return options.grpcHost() + ":" + grpcPort;
  }
}
