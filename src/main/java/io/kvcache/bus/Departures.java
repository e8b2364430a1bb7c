package io.kvcache.bus;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Fail fast: calls waiting on a node fail the moment the cluster reports that node gone, instead of after the request
 * timeout (30 s by default). A caller wraps each request to a known node in {@link #guard}; the node's departure fails
 * every guarded call still waiting with {@link Departed}, and a call to a node that has left (and not come back, as a
 * node does when its side of a split merges back) fails at once: the event bus may still route to its old address for
 * a moment, and such a message would only time out.
 *
 * <p>Thread-safe (concurrent sets); a guarded call completes on whichever thread finishes first — its reply's context
 * or the membership listener's thread — so callers continue with {@code Future} composition, not context state.
 */
public final class Departures {
  private final Map<String, Set<Promise<?>>> waiting = new ConcurrentHashMap<>();
  private final Set<String> gone = ConcurrentHashMap.newKeySet();
  private final Predicate<String> isMember;

  /** @param isMember whether a node is in this node's cluster now */
  public Departures(Predicate<String> isMember) {
    this.isMember = isMember;
  }

  /** The failure of a call whose target node left the cluster while the call waited. */
  public static final class Departed extends RuntimeException {
    public Departed(String nodeId) {
      super("node " + nodeId + " left the cluster", null, false, false);
    }
  }

  /** {@code call}, failed early if {@code nodeId} leaves first (an empty id: not guarded). */
  public <T> Future<T> guard(String nodeId, Future<T> call) {
    return guard(nodeId, call, late -> { });
  }

  /**
   * As {@link #guard(String, Future)}, for calls whose result the caller must release: a result that arrives after the
   * call was failed early (nobody will take it) goes to {@code discard}.
   */
  public <T> Future<T> guard(String nodeId, Future<T> call, Consumer<T> discard) {
    if (nodeId == null || nodeId.isEmpty() || call.isComplete()) {
      return call;
    }
    if (gone.contains(nodeId)) {
      if (!isMember.test(nodeId)) {
        call.onSuccess(discard::accept);
        return Future.failedFuture(new Departed(nodeId));
      }
      gone.remove(nodeId); // back in the cluster (a merge)
    }
    Promise<T> guarded = Promise.promise();
    Set<Promise<?>> set = waiting.computeIfAbsent(nodeId, k -> ConcurrentHashMap.newKeySet());
    set.add(guarded);
    call.onComplete(ar -> {
      set.remove(guarded);
      if (ar.succeeded()) {
        if (!guarded.tryComplete(ar.result())) {
          discard.accept(ar.result()); // failed early: the caller has gone
        }
      } else {
        guarded.tryFail(ar.cause());
      }
    });
    return guarded.future();
  }

  /** The cluster dropped {@code nodeId}: every call still waiting on it fails now. */
  public void left(String nodeId) {
    gone.add(nodeId);
    Set<Promise<?>> set = waiting.remove(nodeId);
    if (set != null) {
      for (Promise<?> p : set) {
        p.tryFail(new Departed(nodeId));
      }
    }
  }
}
