package io.kvcache.master;

import io.kvcache.bus.BusErrors;
import io.kvcache.bus.Fencing;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.eventbus.Message;

import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;

/**
 * How the active master's verticles fence themselves on the event bus. A request is admitted only while this node
 * holds a valid lease (checked synchronously, per request) and only if it does not carry a newer term than this
 * master's — a newer term means this master has been replaced: the request is refused, counted, and the node told to
 * step down. An answer is sent only if the lease is still valid once the work is done, and carries this master's term
 * and node id. A refused request did nothing: the sender may ask again and reach the active master; a withheld answer
 * ({@link BusErrors#ANSWER_WITHHELD}) may hide work done, and only repeatable calls are asked again.
 *
 * @param term this master's fencing term
 * @param nodeId this node's id (answers name it, so callers can fail fast if it leaves)
 * @param serving whether this node may serve as the active master right now
 * @param newerTermSeen called with a newer term a request carried
 * @param staleRefused counts requests refused for carrying a newer term
 */
public record MasterFence(long term, String nodeId, BooleanSupplier serving, LongConsumer newerTermSeen,
                          Counter staleRefused) {

  /** True if this master may handle {@code request}; otherwise it has been failed (nothing done). */
  public boolean admit(Message<?> request) {
    long theirs = Fencing.term(request);
    if (theirs > term) {
      staleRefused.increment();
      request.fail(BusErrors.NOT_MASTER, "this master's term " + term + " has been superseded by " + theirs);
      newerTermSeen.accept(theirs);
      return false;
    }
    if (!serving.getAsBoolean()) {
      request.fail(BusErrors.NOT_MASTER, "not the active master");
      return false;
    }
    return true;
  }

  /** Answers {@code request} with {@code body} if the lease is still valid; otherwise withholds the answer. */
  public void reply(Message<?> request, Object body) {
    if (serving.getAsBoolean()) {
      request.reply(body, Fencing.reply(term, nodeId));
    } else {
      // The work is done and may stand (a reservation, a removal): not "nothing done", so no blind retry.
      request.fail(BusErrors.ANSWER_WITHHELD, "lost the master lease while answering");
    }
  }
}
