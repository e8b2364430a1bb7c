package io.kvcache.bus;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;

import java.util.function.Function;

/**
 * Requests to the active master, wherever it runs: each attempt finds the master ({@link MasterPresence}), sends to
 * that node's address with this node's term, fails the moment the cluster reports that node gone, and refuses an answer
 * of an older term than this node knows. An attempt that certainly did nothing — no master holds the lease yet, nobody
 * consumes the address, the node answered that it is not the master — is made again every {@value #RETRY_MS} ms until
 * the deadline; so, if the caller allows it, is one that timed out or whose master vanished mid-call (it may have been
 * applied: only for calls that may be repeated).
 *
 * <p>Thread-safe (the presence, the departures and the term are); answers complete on the caller's context.
 */
public final class MasterCalls {
  static final long RETRY_MS = 100;

  private final Vertx vertx;
  private final MasterPresence presence;
  private final Departures departures;
  private final Terms terms;
  private final String nodeId;

  /** @param terms the term this node's requests carry and answers are checked against */
  public MasterCalls(Vertx vertx, MasterPresence presence, Departures departures, Terms terms, String nodeId) {
    this.vertx = vertx;
    this.presence = presence;
    this.departures = departures;
    this.terms = terms;
    this.nodeId = nodeId;
  }

  /** No node holds the master lease (or none this node can reach). */
  public static final class NoMaster extends RuntimeException {
    NoMaster() {
      super("no active master", null, false, false);
    }
  }

  /** The master's answer was of an older term than this node knows. */
  public static final class StaleAnswer extends RuntimeException {
    StaleAnswer() {
      super("answer of a replaced master refused", null, false, false);
    }
  }

  /**
   * Sends {@code body} to the master's {@code address}, trying again until {@code waitMs} has passed while no master
   * takes it; {@code repeatable}: also after a timeout or the master's departure.
   */
  public <T> Future<Message<T>> request(Function<String, String> address, Object body, DeliveryOptions options,
                                        long waitMs, boolean repeatable) {
    Promise<Message<T>> answer = Promise.promise();
    attempt(address, body, options, System.nanoTime() + waitMs * 1_000_000, repeatable, answer);
    return answer.future();
  }

  private <T> void attempt(Function<String, String> address, Object body, DeliveryOptions options, long deadlineNanos,
                           boolean repeatable, Promise<Message<T>> answer) {
    presence.locate().onComplete(located -> {
      String master = located.succeeded() ? located.result() : "";
      if (master.isEmpty()) {
        again(address, body, options, deadlineNanos, repeatable, answer, new NoMaster());
        return;
      }
      DeliveryOptions sent = Fencing.stamped(options, terms.term(), nodeId);
      departures.guard(master, vertx.eventBus().<T>request(address.apply(master), body, sent)).onComplete(ar -> {
        if (ar.succeeded()) {
          if (terms.admit(Fencing.term(ar.result()))) {
            answer.complete(ar.result());
          } else {
            presence.forget(master);
            answer.fail(new StaleAnswer());
          }
          return;
        }
        boolean undelivered = BusErrors.undelivered(ar.cause());
        if (undelivered || ar.cause() instanceof Departures.Departed || BusErrors.withheld(ar.cause())) {
          presence.forget(master);
        }
        if (undelivered || (repeatable && BusErrors.lost(ar.cause()))) {
          again(address, body, options, deadlineNanos, repeatable, answer, ar.cause());
        } else {
          answer.fail(ar.cause());
        }
      });
    });
  }

  private <T> void again(Function<String, String> address, Object body, DeliveryOptions options, long deadlineNanos,
                         boolean repeatable, Promise<Message<T>> answer, Throwable why) {
    if (System.nanoTime() - deadlineNanos >= 0) {
      answer.fail(why);
    } else {
      vertx.setTimer(RETRY_MS, id -> attempt(address, body, options, deadlineNanos, repeatable, answer));
    }
  }
}
