package io.kvcache.bus;

import io.kvcache.ha.LeaseState;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Where the active master is, as this node knows it: the node that holds the master lease (read from the cluster's
 * lease map when not known, remembered until a call to it shows it is not the master any more or the cluster reports it
 * gone), and the highest master term seen in any answer or lease. Answers of a lower term come from a replaced master:
 * they are refused and counted.
 *
 * <p>Thread-safe (volatile and atomic fields); {@link #locate} completes on the caller's context.
 */
public final class MasterPresence implements Terms {
  private final Vertx vertx;
  private final TermWatermark terms;
  private final Supplier<CompletionStage<LeaseState>> lease;
  private final Predicate<String> isMember;
  private volatile String master = "";
  private volatile boolean looking;

  /**
   * @param staleRefused counts master answers refused for a stale term
   * @param lease reads the master lease from the cluster
   * @param isMember whether a node is in this node's cluster now
   */
  public MasterPresence(Vertx vertx, Counter staleRefused, Supplier<CompletionStage<LeaseState>> lease,
                        Predicate<String> isMember) {
    this.vertx = vertx;
    this.terms = new TermWatermark(staleRefused);
    this.lease = lease;
    this.isMember = isMember;
  }

  /** True if the master's node is known now; otherwise looks it up (for the next call) and answers false. */
  public boolean known() {
    if (master.isEmpty() && !looking) {
      looking = true;
      read().whenComplete((holder, failure) -> looking = false);
    }
    return !master.isEmpty();
  }

  /** The active master's node id, or "" if none holds the lease (or it is not in this node's cluster). */
  public Future<String> locate() {
    String known = master;
    if (!known.isEmpty()) {
      return Future.succeededFuture(known);
    }
    Context caller = vertx.getOrCreateContext();
    Promise<String> found = Promise.promise();
    read().whenComplete((holder, failure) -> caller.runOnContext(ignored -> found.complete(failure == null ? holder
        : "")));
    return found.future();
  }

  private CompletionStage<String> read() {
    return lease.get().thenApply(state -> {
      if (state == null || !isMember.test(state.holder())) {
        return "";
      }
      admit(state.term());
      master = state.holder();
      return state.holder();
    });
  }

  /** The master's node id if known now ("" otherwise). */
  public String masterNode() {
    return master;
  }

  @Override
  public long term() {
    return terms.term();
  }

  @Override
  public boolean admit(long presented) {
    return terms.admit(presented);
  }

  /** A call to {@code node} showed it is not the active master (any more): look the lease up again next time. */
  public void forget(String node) {
    if (node.equals(master)) {
      master = "";
    }
  }
}
