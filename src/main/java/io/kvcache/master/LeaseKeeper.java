package io.kvcache.master;

import io.kvcache.cluster.LeaseStore;
import io.kvcache.ha.LeaseRules;
import io.kvcache.ha.LeaseState;
import io.kvcache.ha.LeaseValidity;
import io.kvcache.util.Tokens;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * This node's side of the master lease: tries to acquire it while it does not hold it, renews it while it does, and
 * knows — synchronously, from the monotonic clock — whether it may serve right now.
 *
 * <p>Self-fencing ({@link LeaseValidity}): the lease is valid until {@code send time of a grant + lease − margin}, a
 * grant counting once the next renewal has been answered; so this node stops serving before any successor can be
 * granted the lease. A node that was paused (SIGSTOP, a long GC) finds its validity gone the moment it runs again,
 * whatever it was in the middle of, and the next renewals tell it whether it still holds the lease.
 *
 * <p>Confined to one Vert.x context (the supervisor's); {@link #valid()} and {@link #term()} may be read from any
 * thread.
 */
final class LeaseKeeper {
  private static final Logger LOG = Logger.getLogger(LeaseKeeper.class.getName());
  static final long SAFETY_MARGIN_MS = 200;

  /** What the keeper learns, on the supervisor's context. */
  interface Events {
    void granted(LeaseState lease);

    void lost(LeaseState now);

    void seen(LeaseState lease);
  }

  private final LeaseStore store;
  private final String nodeId;
  private final long renewEveryNanos;
  private long lastSentNanos;
  private final Context context;
  private final Events events;
  private volatile boolean holding;
  private volatile long term;
  private final LeaseValidity validity;
  private long knownMaxTerm;
  private boolean inFlight;
  private long generation; // bumped when the node drops the lease itself: answers to older calls are ignored

  LeaseKeeper(LeaseStore store, String nodeId, Context context, Events events) {
    this.store = store;
    this.nodeId = nodeId;
    this.validity = new LeaseValidity(TimeUnit.MILLISECONDS.toNanos(Math.max(1, store.leaseMs() - SAFETY_MARGIN_MS)),
        System.nanoTime());
    this.renewEveryNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(10, store.leaseMs() / 5));
    this.context = context;
    this.events = events;
  }

  /** True while this node holds the lease and its validity has not run out. */
  boolean valid() {
    return holding && validity.validAt(System.nanoTime());
  }

  boolean holding() {
    return holding;
  }

  /** The term held (or last held). */
  long term() {
    return term;
  }

  long knownMaxTerm() {
    return knownMaxTerm;
  }

  /** A term seen elsewhere (a standby batch, a node's heartbeat): a later grant will be above it. */
  void observe(long seen) {
    knownMaxTerm = Math.max(knownMaxTerm, seen);
  }

  /**
   * One step: renew if holding (every fifth of the lease, or now if {@code urgent}), else try to acquire. One call in
   * flight at a time.
   */
  void tick(boolean urgent) {
    long sent = System.nanoTime();
    if (inFlight || (holding && !urgent && sent - lastSentNanos < renewEveryNanos)) {
      return;
    }
    inFlight = true;
    lastSentNanos = sent;
    boolean renewing = holding;
    long gen = generation;
    CompletionStage<LeaseRules.Decision> call = renewing ? store.renew(nodeId, term)
        : store.acquire(nodeId, knownMaxTerm, Tokens.random64() + "");
    call.whenComplete((d, failure) -> context.runOnContext(ignored -> {
      inFlight = false;
      if (gen != generation) {
        return;
      }
      if (failure != null) {
        LOG.log(Level.FINE, "master lease " + (renewing ? "renewal" : "acquisition") + " failed", failure);
        return; // a holder's validity runs out on its own
      }
      if (d.current() != null) {
        knownMaxTerm = Math.max(knownMaxTerm, d.current().term());
      }
      if (renewing) {
        if (d.granted()) {
          if (validity.granted(sent)) {
            tick(true); // the confirming grant, at once
          }
        } else {
          dropLocally();
          events.lost(d.current());
        }
      } else if (d.granted()) {
        holding = true;
        term = d.current().term();
        validity.granted(sent);
        events.granted(d.current());
        tick(true); // valid once a renewal confirms the grant
      } else {
        events.seen(d.current());
      }
    }));
  }

  /**
   * Stops serving at once but keeps claiming the lease: this side of a split is merging into the other, so the cluster's
   * copy of the lease is being replaced. The next renewal, once merged, says whether this node still holds it (it
   * resumes with its state) or someone else does (it steps down).
   */
  void suspend() {
    validity.reset(System.nanoTime()); // what was granted before the merge confirms nothing after it
    generation++;
    inFlight = false;
  }

  /** Stops holding without telling the cluster (the node steps down). */
  void dropLocally() {
    holding = false;
    validity.reset(System.nanoTime());
    generation++;
    inFlight = false;
  }

  /** Records the synced standbys in the lease; false if this node no longer holds it. */
  Future<Boolean> setSynced(Set<String> synced) {
    if (!holding) {
      return Future.succeededFuture(false);
    }
    Promise<Boolean> done = Promise.promise();
    store.setSynced(nodeId, term, synced).whenComplete((d, failure) ->
        context.runOnContext(ignored -> done.complete(failure == null && d.granted())));
    return done.future();
  }

  /** Gives the lease up now (shutdown), so a synced standby takes over without waiting for it to expire. */
  Future<Void> release() {
    if (!holding) {
      return Future.succeededFuture();
    }
    long held = term;
    dropLocally();
    Promise<Void> done = Promise.promise();
    store.release(nodeId, held).whenComplete((d, failure) -> done.tryComplete());
    return done.future();
  }
}
