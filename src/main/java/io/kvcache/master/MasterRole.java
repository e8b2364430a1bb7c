package io.kvcache.master;

import io.kvcache.alloc.AllocationStrategies;
import io.kvcache.alloc.LocalDiskRegistry;
import io.kvcache.alloc.NodeLiveness;
import io.kvcache.alloc.SegmentRegistry;
import io.kvcache.bus.Addresses;
import io.kvcache.bus.Fencing;
import io.kvcache.cluster.ClusterMembership;
import io.kvcache.ha.Catalog;
import io.kvcache.ha.Journal;
import io.kvcache.ha.Restore;
import io.kvcache.metadata.Metadata;
import io.kvcache.proto.bus.EvictReply;
import io.kvcache.proto.bus.EvictRequest;
import io.kvcache.replica.EvictionRound;
import io.kvcache.replica.MillisClock;
import io.kvcache.replica.ReplicaMetrics;
import io.kvcache.replica.Shard;
import io.kvcache.replica.ShardShared;
import io.kvcache.tasks.TaskBoard;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything the active master owns for one term: the segment registry and storage-node liveness, the shards, the task
 * board, the op log its standbys follow, the meters, and the {@link Metadata} that a gateway on this node calls
 * directly (fenced: it answers only while this node holds the lease). Built when the node wins the lease — empty, or
 * {@linkplain #restore restored} from the copy it followed as a standby — and dropped when it loses it. {@link #deploy}
 * starts the verticles that serve it, each given exactly what it uses; {@link #undeploy} stops them.
 *
 * <p>Lock order on the master: a shard's lock, then the journal's, the task board's, then the segment registry's and a
 * segment's.
 */
public final class MasterRole {
  /** Copies and moves that may be unfinished at once (and finished ones remembered for queries). */
  static final int REPLICATION_TASK_LIMIT = 10_000;
  /** A task handed to a storage node and not reported this long is retried, up to the attempts below. */
  static final long TASK_TIMEOUT_MS = 300_000;
  static final int TASK_ATTEMPTS = 10;

  private final MasterOptions options;
  private final MillisClock clock;
  private final MasterFence fence;
  private final SegmentRegistry segments = new SegmentRegistry();
  private final NodeLiveness liveness;
  private final LocalDiskRegistry disks = new LocalDiskRegistry();
  private final TaskBoard board;
  private final Journal journal;
  private final MasterShards shards;
  private final MasterMetrics metrics;
  private final Metadata metadata;
  private final List<String> deployments = new ArrayList<>();

  public MasterRole(MasterOptions options, Vertx vertx, MeterRegistry meters, MillisClock clock, MasterFence fence) {
    this.options = options;
    this.clock = clock;
    this.fence = fence;
    this.liveness = new NodeLiveness(options.clientLiveTtlMs());
    this.board = new TaskBoard(options.offloadQueueLimit(), REPLICATION_TASK_LIMIT, TASK_TIMEOUT_MS, TASK_ATTEMPTS);
    this.journal = new Journal(clock);
    ShardShared shared = ShardShared.of(options.shard(), segments, new ReplicaMetrics(meters), clock,
        options.offload(), new BoardSink(board), journal);
    List<ShardService> services = new ArrayList<>();
    for (int i = 0; i < options.shards(); i++) {
      services.add(new ShardService(new Shard(i, shared,
          AllocationStrategies.create(options.allocationStrategy(), System.nanoTime() ^ i))));
    }
    this.shards = new MasterShards(shared, services);
    this.metrics = new MasterMetrics(meters, shards, segments, liveness, board);
    DeliveryOptions evictAsk = Fencing.reply(fence.term(), fence.nodeId()); // a request stamped with this master's term
    LocalMetadata local = new LocalMetadata(shards, segments, board, () -> vertx.eventBus()
        .<com.google.protobuf.Message>request(Addresses.evict(fence.nodeId()), EvictRequest.getDefaultInstance(), evictAsk)
        .transform(ar -> Future.succeededFuture(ar.succeeded() && ((EvictReply) ar.result().body()).getFreed())),
        vertx, options.regexRemovalBudgetMs(), fence.term());
    this.metadata = new FencedMetadata(local, fence.serving());
  }

  /**
   * Takes over the state a standby followed (before {@link #deploy}; blocking, run it on a worker): segments,
   * sessions, SSDs and every object that passes validation.
   */
  public Restore.Outcome restore(Catalog catalog) {
    return Restore.into(catalog, segments, disks, liveness, shards, options.shard().maxValueSize(), clock.nowMs());
  }

  /**
   * Deploys the master's verticles: mounts and liveness, metadata for other nodes, eviction, tasks, sweeps, and (with
   * standbys on) the op-log replication to the standbys.
   */
  public Future<Void> deploy(Vertx vertx, ClusterMembership membership, int metadataInstances, SyncedStandbys synced,
                             HaMetrics ha) {
    List<Future<String>> deployed = new ArrayList<>();
    deployed.add(vertx.deployVerticle(new MountVerticle(options, fence, segments, liveness, disks, board, shards,
        metrics, membership, journal, clock)));
    for (int i = 0; i < metadataInstances; i++) {
      deployed.add(vertx.deployVerticle(new MetadataVerticle(metadata, fence)));
    }
    deployed.add(vertx.deployVerticle(new EvictionVerticle(options, shards, fence)));
    deployed.add(vertx.deployVerticle(new TaskVerticle(board, liveness, disks, shards, metrics, clock, fence)));
    deployed.add(vertx.deployVerticle(new SweepVerticle(shards)));
    if (options.standby()) {
      deployed.add(vertx.deployVerticle(new ReplicationVerticle(fence, journal, shards, segments, liveness, disks,
          membership, synced, ha, options.leaseMs())));
    }
    return Future.join(deployed).transform(ar -> {
      deployed.stream().filter(Future::succeeded).forEach(f -> deployments.add(f.result()));
      return ar.succeeded() ? Future.<Void>succeededFuture() : Future.failedFuture(ar.cause());
    });
  }

  /** Stops serving: undeploys the verticles (their consumers leave the master's addresses) and drops the meters. */
  public Future<Void> undeploy(Vertx vertx) {
    List<Future<Void>> undeployed = new ArrayList<>();
    for (String id : deployments) {
      undeployed.add(vertx.undeploy(id).recover(ignored -> Future.succeededFuture()));
    }
    deployments.clear();
    metrics.close();
    return Future.join(undeployed).mapEmpty();
  }

  public MasterOptions options() {
    return options;
  }

  public long term() {
    return fence.term();
  }

  /** The metadata API served by this node's shards (what a gateway on this node calls), fenced by the lease. */
  public Metadata metadata() {
    return metadata;
  }

  public MasterShards shards() {
    return shards;
  }

  public SegmentRegistry segments() {
    return segments;
  }

  public TaskBoard board() {
    return board;
  }

  public NodeLiveness liveness() {
    return liveness;
  }

  public LocalDiskRegistry disks() {
    return disks;
  }

  public Journal journal() {
    return journal;
  }

  /** Runs one eviction round now with the given target and lower bound (shares of evictable objects). Blocking. */
  public EvictionRound.Outcome evict(double target, double lowerbound, boolean allowSoftPinned) {
    return new EvictionRound(shards, allowSoftPinned, clock).run(target, lowerbound);
  }
}
