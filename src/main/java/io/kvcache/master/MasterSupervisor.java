package io.kvcache.master;

import io.kvcache.bus.Addresses;
import io.kvcache.cluster.ClusterMembership;
import io.kvcache.cluster.LeaseStore;
import io.kvcache.ha.Catalog;
import io.kvcache.ha.LeaseState;
import io.kvcache.ha.Restore;
import io.kvcache.metadata.Metadata;
import io.kvcache.replica.MillisClock;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * The master role of one node, whatever its standing: any number of nodes may have the role, exactly one is the
 * active master (the holder of the cluster's master lease, see {@link LeaseKeeper}). The others are standbys that
 * follow it ({@link Standby}) and poll the lease; when it lapses, a synced standby takes it with a higher term,
 * rebuilds the master's state from its copy ({@link Restore}: validated per object) and registers the master's
 * event-bus addresses, which is how every other node finds it. A master that loses the lease — a renewal says someone
 * else holds it, or a node shows it a newer term — stops serving at once, unregisters those addresses, drops its state
 * and follows the new master as a standby. A master whose side of a split merges into the other stops serving until
 * its first renewal after the merge says whether it still holds the lease.
 *
 * <p>A pause detector (a thread that notices when it slept far longer than asked: the process was stopped) makes the
 * node check its lease the moment it runs again; validity itself needs no detector, since it is measured on the
 * monotonic clock and checked synchronously on every request.
 *
 * <p>Event-loop confined, except {@link #serving()}, {@link #active()} and {@link #metadata()}, which any thread may
 * call.
 */
public final class MasterSupervisor extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(MasterSupervisor.class.getName());
  private static final long PAUSE_CHECK_MS = 100;
  private static final long PAUSE_GAP_MS = 1000;

  private final MasterOptions options;
  private final MeterRegistry meters;
  private final ClusterMembership membership;
  private final LeaseStore store;
  private final String nodeId;
  private final int metadataInstances;
  private final MillisClock clock;
  private final HaMetrics ha;
  private final Promise<Void> firstDecision = Promise.promise();
  private LeaseKeeper keeper;
  private Standby standby;
  private volatile MasterRole active;
  private volatile AtomicBoolean activeLive = new AtomicBoolean();
  private long activations;
  private boolean activating; // the copy is being restored on a worker: no batch may change it meanwhile
  private LeaseState lastSeen;
  private long tickTimer = -1;
  private Thread pauseDetector;
  private volatile boolean stopping;
  private Runnable stopMergeListening = () -> { };

  public MasterSupervisor(MasterOptions options, MeterRegistry meters, ClusterMembership membership, LeaseStore store,
                          String nodeId, int metadataInstances, MillisClock clock) {
    this.options = options;
    this.meters = meters;
    this.membership = membership;
    this.store = store;
    this.nodeId = nodeId;
    this.metadataInstances = metadataInstances;
    this.clock = clock;
    this.ha = new HaMetrics(meters, this::termForMetrics, this::serving);
  }

  @Override
  public Future<?> start() {
    keeper = new LeaseKeeper(store, nodeId, context, new LeaseKeeper.Events() {
      @Override
      public void granted(LeaseState lease) {
        activate(lease);
      }

      @Override
      public void lost(LeaseState now) {
        lastSeen = now;
        stepDown("the lease is now held by " + (now == null ? "nobody" : now.holder() + " with term " + now.term()));
      }

      @Override
      public void seen(LeaseState lease) {
        lastSeen = lease;
        if (lease != null) {
          firstDecision.tryComplete();
        }
      }
    });
    standby = new Standby(vertx, nodeId, new Catalog(clock), ha, keeper::observe, options.leaseMs());
    MessageConsumer<com.google.protobuf.Message> batches = vertx.eventBus().consumer(Addresses.standby(nodeId), msg -> {
      if (active != null || activating || !options.standby()) {
        msg.fail(io.kvcache.bus.BusErrors.NOT_MASTER, "this node is not a standby");
      } else {
        standby.onBatch(msg);
      }
    });
    long period = Math.max(20, Math.min(200, options.leaseMs() / 10));
    tickTimer = vertx.setPeriodic(period, id -> tick(false));
    // Merging after a split: stop serving at once (the cluster's copy of the lease is being replaced), keep the state,
    // and let the first renewal after the merge say whether this node still holds the lease.
    stopMergeListening = membership.onMerge(
        () -> context.runOnContext(ignored -> {
          LOG.warning("this side of a split is merging into the other: fenced until the lease is renewed");
          keeper.suspend();
        }),
        () -> context.runOnContext(ignored -> tick(true)));
    startPauseDetector();
    vertx.setTimer(2 * options.leaseMs(), id -> firstDecision.tryComplete());
    tick(true);
    return batches.completion();
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(tickTimer);
    stopMergeListening.run();
    if (pauseDetector != null) {
      pauseDetector.interrupt();
    }
    activeLive.set(false); // stop answering before giving the lease up
    return keeper.release().compose(ignored -> stepDownNow("the node is stopping"));
  }

  /** Completes once this node is the active master, or knows who is (bounded by two leases). */
  public Future<Void> firstDecision() {
    return firstDecision.future();
  }

  /** True while this node is the active master and its lease is valid (checked now). */
  public boolean serving() {
    return activeLive.get() && keeper != null && keeper.valid();
  }

  /** The active master's state, or null while this node is a standby. */
  public MasterRole active() {
    return active;
  }

  /** The active master's metadata (fenced by the lease), or null while this node is a standby. */
  public Metadata metadata() {
    MasterRole role = active;
    return role == null ? null : role.metadata();
  }

  private long termForMetrics() {
    if (keeper == null) {
      return 0;
    }
    return keeper.holding() ? keeper.term() : keeper.knownMaxTerm();
  }

  private void tick(boolean urgent) {
    if (stopping) {
      return;
    }
    keeper.tick(urgent);
    if (!keeper.holding() && active == null && options.standby()) {
      standby.follow(lastSeen);
    }
  }

  private void activate(LeaseState lease) {
    long activation = ++activations;
    Catalog copy = standby.catalog();
    boolean withCopy = options.standby() && lease.continuedFrom() > 0 && copy.isComplete()
        && copy.term() == lease.continuedFrom();
    AtomicBoolean live = new AtomicBoolean();
    MasterFence fence = new MasterFence(lease.term(), nodeId, () -> live.get() && keeper.valid(),
        newer -> context.runOnContext(ignored -> supersededBy(newer)), ha.staleAtMaster);
    MasterRole role = new MasterRole(options, vertx, meters, clock, fence);
    activating = true;
    LOG.info("node " + nodeId + " holds the master lease with term " + lease.term()
        + (withCopy ? "; restoring the copy of term " + copy.term() : "; starting empty"));
    vertx.executeBlocking(() -> withCopy ? role.restore(copy) : null, false)
        .compose(outcome -> {
          if (activation != activations || !keeper.holding()) {
            return Future.failedFuture("the lease was lost while activating");
          }
          if (outcome != null) {
            ha.droppedOnRestore.increment(outcome.droppedObjects());
            LOG.info("restored " + outcome.objects() + " objects on " + outcome.segments() + " segments; validation"
                + " dropped " + outcome.droppedObjects() + " objects and " + outcome.droppedReplicas() + " replicas");
          }
          return role.deploy(vertx, membership, metadataInstances, keeper::setSynced, ha);
        })
        .onComplete(ar -> {
          activating = false;
          if (ar.failed() || activation != activations || !keeper.holding() || stopping) {
            LOG.warning("activation with term " + lease.term() + " abandoned: "
                + (ar.failed() ? ar.cause().getMessage() : "lease lost"));
            role.undeploy(vertx);
            if (ar.failed() && keeper.holding() && activation == activations) {
              keeper.release(); // let another node try
            }
            return;
          }
          standby.reset();
          live.set(true);
          activeLive = live;
          active = role;
          ha.promotions.increment();
          firstDecision.tryComplete();
          LOG.info("node " + nodeId + " is the active master (term " + lease.term() + ")");
        });
  }

  /** A request showed a newer term than ours: we have been replaced without noticing. */
  private void supersededBy(long newer) {
    keeper.observe(newer);
    if (active != null) {
      keeper.dropLocally();
      stepDown("a node has seen term " + newer);
    }
  }

  private void stepDown(String why) {
    stepDownNow(why);
  }

  private Future<Void> stepDownNow(String why) {
    activations++; // an activation in progress is abandoned
    MasterRole role = active;
    activeLive.set(false);
    active = null;
    if (role == null) {
      return Future.succeededFuture();
    }
    LOG.warning("node " + nodeId + " stops being the master (term " + role.term() + "): " + why);
    standby.reset();
    return role.undeploy(vertx);
  }

  private void startPauseDetector() {
    pauseDetector = new Thread(() -> {
      long last = System.nanoTime();
      while (!stopping) {
        try {
          Thread.sleep(PAUSE_CHECK_MS);
        } catch (InterruptedException e) {
          return;
        }
        long now = System.nanoTime();
        long gapMs = (now - last) / 1_000_000;
        last = now;
        if (gapMs > PAUSE_GAP_MS) {
          context.runOnContext(ignored -> {
            LOG.warning("this process was paused for about " + gapMs + " ms: checking the master lease now");
            tick(true);
          });
        }
      }
    }, "kv-pause-detector");
    pauseDetector.setDaemon(true);
    pauseDetector.start();
  }
}
