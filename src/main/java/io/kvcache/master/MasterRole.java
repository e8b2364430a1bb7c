package io.kvcache.master;

import io.kvcache.alloc.AllocationStrategies;
import io.kvcache.alloc.LocalDiskRegistry;
import io.kvcache.alloc.NodeLiveness;
import io.kvcache.alloc.SegmentRegistry;
import io.kvcache.bus.Addresses;
import io.kvcache.cluster.ClusterMembership;
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

import java.util.ArrayList;
import java.util.List;

/**
 * Everything the master role of a node owns: the segment registry and storage-node liveness, the shards, the task
 * board, the meters, and the {@link Metadata} that a gateway on this node calls directly. {@link #deploy} starts the
 * verticles that serve them, each given exactly what it uses.
 *
 * <p>Lock order on the master: a shard's lock, then the task board's, then the segment registry's and a segment's.
 */
public final class MasterRole {
  /** Copies and moves that may be unfinished at once (and finished ones remembered for queries). */
  static final int REPLICATION_TASK_LIMIT = 10_000;
  /** A task handed to a storage node and not reported this long is retried, up to the attempts below. */
  static final long TASK_TIMEOUT_MS = 300_000;
  static final int TASK_ATTEMPTS = 10;

  private final MasterOptions options;
  private final MillisClock clock;
  private final SegmentRegistry segments = new SegmentRegistry();
  private final NodeLiveness liveness;
  private final LocalDiskRegistry disks = new LocalDiskRegistry();
  private final TaskBoard board;
  private final MasterShards shards;
  private final MasterMetrics metrics;
  private final LocalMetadata metadata;

  public MasterRole(MasterOptions options, Vertx vertx, MeterRegistry meters, MillisClock clock) {
    this.options = options;
    this.clock = clock;
    this.liveness = new NodeLiveness(options.clientLiveTtlMs());
    this.board = new TaskBoard(options.offloadQueueLimit(), REPLICATION_TASK_LIMIT, TASK_TIMEOUT_MS, TASK_ATTEMPTS);
    ShardShared shared = ShardShared.of(options.shard(), segments, new ReplicaMetrics(meters), clock,
        options.offload(), new BoardSink(board));
    List<ShardService> services = new ArrayList<>();
    for (int i = 0; i < options.shards(); i++) {
      services.add(new ShardService(new Shard(i, shared,
          AllocationStrategies.create(options.allocationStrategy(), System.nanoTime() ^ i))));
    }
    this.shards = new MasterShards(shared, services);
    this.metrics = new MasterMetrics(meters, shards, segments, liveness, board);
    this.metadata = new LocalMetadata(shards, segments, board, () -> vertx.eventBus()
        .<com.google.protobuf.Message>request(Addresses.EVICT, EvictRequest.getDefaultInstance())
        .transform(ar -> Future.succeededFuture(ar.succeeded() && ((EvictReply) ar.result().body()).getFreed())),
        vertx, options.regexRemovalBudgetMs());
  }

  /** Deploys the master's verticles: mounts and liveness, metadata for other nodes, eviction, tasks, sweeps. */
  public Future<Void> deploy(Vertx vertx, ClusterMembership membership, String nodeId, int metadataInstances) {
    List<Future<String>> deployed = new ArrayList<>();
    deployed.add(vertx.deployVerticle(new MountVerticle(options, nodeId, segments, liveness, disks, board, shards,
        metrics, membership, clock)));
    for (int i = 0; i < metadataInstances; i++) {
      deployed.add(vertx.deployVerticle(new MetadataVerticle(metadata)));
    }
    deployed.add(vertx.deployVerticle(new EvictionVerticle(options, shards)));
    deployed.add(vertx.deployVerticle(new TaskVerticle(board, liveness, disks, shards, metrics, clock)));
    deployed.add(vertx.deployVerticle(new SweepVerticle(shards)));
    return Future.all(deployed).mapEmpty();
  }

  public MasterOptions options() {
    return options;
  }

  /** The metadata API served by this node's shards (what a gateway on this node calls). */
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

  /** Runs one eviction round now with the given target and lower bound (shares of evictable objects). Blocking. */
  public EvictionRound.Outcome evict(double target, double lowerbound, boolean allowSoftPinned) {
    return new EvictionRound(shards, allowSoftPinned, clock).run(target, lowerbound);
  }
}
