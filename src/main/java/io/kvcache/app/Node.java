package io.kvcache.app;

import io.kvcache.alloc.AllocationStrategies;
import io.kvcache.alloc.AllocationVerticle;
import io.kvcache.api.GatewayVerticle;
import io.kvcache.bus.Addresses;
import io.kvcache.bus.ProtoCodec;
import io.kvcache.proto.bus.MasterInfoRequest;
import io.kvcache.replica.EvictionVerticle;
import io.kvcache.replica.MillisClock;
import io.kvcache.replica.ReplicaMetrics;
import io.kvcache.replica.ReplicaVerticle;
import io.kvcache.replica.ShardService;
import io.kvcache.replica.ShardShared;
import io.micrometer.core.instrument.Gauge;
import io.kvcache.offload.OffloadVerticle;
import io.kvcache.offload.QueueSink;
import io.kvcache.offload.TaskVerticle;
import io.kvcache.segment.ReplicationWorker;
import io.kvcache.segment.SegmentVerticle;
import io.kvcache.offload.OffloadWorker;
import io.kvcache.storage.SsdIoVerticle;
import io.kvcache.ssd.SsdMeters;
import io.kvcache.ssd.SsdNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.micrometer.backends.BackendRegistries;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One running node: a clustered Vert.x with the verticles its roles ask for, deployed in dependency order (master,
 * then storage, then gateway) so a single-node store is usable as soon as {@link #start} completes.
 */
public final class Node {
  private static final Logger LOG = Logger.getLogger(Node.class.getName());

  private final NodeContext context;
  private final AdminHttpVerticle admin;
  private final List<GatewayVerticle> gateways;
  private final SegmentVerticle segmentVerticle;
  private final OffloadWorker offloadWorker;

  private Node(NodeContext context, AdminHttpVerticle admin, List<GatewayVerticle> gateways,
               SegmentVerticle segmentVerticle) {
    this.context = context;
    this.admin = admin;
    this.gateways = gateways;
    this.segmentVerticle = segmentVerticle;
    this.offloadWorker = context.offloadWorker();
  }

  public static Future<Node> start(KvStoreOptions options) {
    return ClusterSetup.start(options).compose(clustered -> {
      Vertx vertx = clustered.vertx();
      ProtoCodec.register(vertx.eventBus());
      MeterRegistry meters = BackendRegistries.getNow(options.nodeName());
      NodeContext context = new NodeContext(options, vertx, clustered.clusterManager().getNodeId(), meters,
          new ClusterMembership(clustered.clusterManager().getHazelcastInstance()));
      return deployRoles(context).onFailure(failure -> {
        LOG.log(Level.SEVERE, "node " + options.nodeName() + " failed to start", failure);
        vertx.close(); // leave the cluster; the caller sees the original failure
      });
    });
  }

  private static Future<Node> deployRoles(NodeContext context) {
    KvStoreOptions options = context.options();
    Vertx vertx = context.vertx();
    Future<?> master = options.has(Role.MASTER) ? deployMaster(context) : Future.succeededFuture();
    List<GatewayVerticle> gateways = new ArrayList<>();
    SegmentVerticle[] segmentHolder = new SegmentVerticle[1];
    // Gateways bind before the segment mounts, so the segment is announced with the gateway's real port.
    return master
        .compose(ignored -> options.has(Role.GATEWAY) ? deployGateways(context, gateways) : Future.succeededFuture())
        .compose(ignored -> {
          if (!options.has(Role.STORAGE)) {
            return Future.succeededFuture();
          }
          int port = gateways.isEmpty() ? options.grpcPort() : gateways.get(0).actualPort();
          segmentHolder[0] = new SegmentVerticle(context, context.endpoint(port));
          return openSsd(context)
              .compose(ssd -> vertx.deployVerticle(segmentHolder[0]))
              .compose(id -> vertx.deployVerticle(new ReplicationWorker(context)));
        })
        .compose(ignored -> {
          SegmentVerticle segment = segmentHolder[0];
          AdminHttpVerticle admin = new AdminHttpVerticle(context,
              () -> gateways.stream().allMatch(GatewayVerticle::isReady) && (segment == null || segment.isMounted()));
          return vertx.deployVerticle(admin).map(id -> new Node(context, admin, gateways, segment));
        });
  }

  /**
   * A storage node of a store with offload opens its SSD (recovering its buckets, off the event loop), serves it on the
   * event bus and runs the offload worker.
   */
  private static Future<?> openSsd(NodeContext context) {
    KvStoreOptions o = context.options();
    if (!o.enableOffload()) {
      return Future.succeededFuture();
    }
    Vertx vertx = context.vertx();
    return vertx.executeBlocking(() -> SsdNode.open(o.bucketStoreOptions(), o.useUring(), o.uringQueueDepth(),
            o.loadBufferSize(), o.loadBufferGcTtlMs(), () -> System.nanoTime() / 1_000_000))
        .compose(ssd -> {
          context.publishSsd(ssd);
          SsdMeters.bind(context.meters(), ssd.uringStats(), ssd.store());
          OffloadWorker worker = new OffloadWorker(context, ssd);
          context.publishOffloadWorker(worker);
          return SsdIoVerticle.deploy(vertx, context.nodeId(), new io.kvcache.storage.SsdService(ssd.store(), ssd.engineName(), ssd.loads()), o.ssdIoThreads())
              .compose(id -> vertx.deployVerticle(worker));
        });
  }

  /** Refuses to become a second master, then deploys the allocation verticle and the replica shards. */
  private static Future<?> deployMaster(NodeContext context) {
    Vertx vertx = context.vertx();
    DeliveryOptions probe = new DeliveryOptions().setSendTimeout(1000);
    return vertx.eventBus().request(Addresses.MASTER_INFO, MasterInfoRequest.getDefaultInstance(), probe)
        .transform(answered -> answered.succeeded()
            ? Future.failedFuture(new IllegalStateException("another master is already active in cluster '"
                + context.options().clusterName() + "'; start this node without the master role"))
            : vertx.deployVerticle(new AllocationVerticle(context)))
        .compose(ignored -> {
          ShardShared shared = ShardShared.of(ReplicaVerticle.settings(context.options()), context.segmentRegistry(),
              new ReplicaMetrics(context.meters()), MillisClock.MONOTONIC, context.options().offloadSettings(),
              new QueueSink(context.offloadQueues()));
          Gauge.builder("kvstore_replica_live_pins", shared.livePins(), AtomicLong::get)
              .description("Replicas pinned against eviction by copy, move and offload tasks").register(context.meters());
          List<ShardService> shards = new ArrayList<>();
          List<Future<String>> deployed = new ArrayList<>();
          for (int shard = 0; shard < context.options().replicaShards(); shard++) {
            ShardService service = new ShardService(shard, shared,
                AllocationStrategies.create(context.options().allocationStrategy(), System.nanoTime() ^ shard));
            shards.add(service);
            deployed.add(vertx.deployVerticle(new ReplicaVerticle(context, service)));
          }
          MasterView view = new MasterView(shared, shards);
          context.publishMaster(view);
          return Future.all(deployed)
              .compose(all -> vertx.deployVerticle(new EvictionVerticle(context, shared, view)))
              .compose(id -> vertx.deployVerticle(new TaskVerticle(context)))
              .compose(id -> vertx.deployVerticle(new OffloadVerticle(context)));
        });
  }

  private static Future<?> deployGateways(NodeContext context, List<GatewayVerticle> gateways) {
    int instances = context.options().gatewayInstances() > 0 ? context.options().gatewayInstances()
        : Math.max(1, eventLoops(context.options()));
    // Vert.x shares one listening socket among servers of the same host:port; a negative port means "share one free
    // port", which is how port 0 (any free port) still gives a single port for all the instances.
    int port = context.options().grpcPort() == 0 ? -1 : context.options().grpcPort();
    List<Future<String>> deployed = new ArrayList<>();
    for (int i = 0; i < instances; i++) {
      GatewayVerticle gateway = new GatewayVerticle(context, port);
      gateways.add(gateway);
      deployed.add(context.vertx().deployVerticle(gateway));
    }
    return Future.all(deployed);
  }

  private static int eventLoops(KvStoreOptions options) {
    return options.eventLoopThreads() > 0 ? options.eventLoopThreads() : 2 * Runtime.getRuntime().availableProcessors();
  }

  public NodeContext context() {
    return context;
  }

  public int grpcPort() {
    return gateways.isEmpty() ? -1 : gateways.get(0).actualPort();
  }

  public int metricsPort() {
    return admin.actualPort();
  }

  /** The storage node's offload worker (null unless it takes offloads): can pause and resume taking tasks. */
  public OffloadWorker offloadWorker() {
    return offloadWorker;
  }

  /** Undeploys everything (the storage node unmounts its segment first) and leaves the cluster. */
  public Future<Void> stop() {
    LOG.info("stopping node " + context.options().nodeName());
    return context.vertx().close().onComplete(ignored -> {
      SsdNode ssd = context.ssd();
      if (ssd != null) {
        ssd.close(); // every SSD thread is gone with Vert.x
      }
    });
  }
}
