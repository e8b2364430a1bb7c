package io.kvcache.bus;

import io.kvcache.proto.v1.ErrorCode;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

/** Maps a failed event-bus request to the error code each affected key reports, and says when to try again. */
public final class BusErrors {
  private BusErrors() {}

  /**
   * The failure code a master-role node answers with when it is not (or no longer, or not yet) the active master:
   * nothing was done, so the caller may ask again and reach the active one.
   */
  public static final int NOT_MASTER = ErrorCode.UNAVAILABLE_IN_CURRENT_MODE_VALUE;

  /**
   * The failure code of an answer the master withheld because it lost its lease after doing the work: the request
   * may have been applied (a PutStart's reservation made), so asking again is only for calls that may be repeated —
   * a repeated PutStart would find its own reservation and answer OBJECT_ALREADY_EXISTS. Not an ErrorCode number.
   */
  public static final int ANSWER_WITHHELD = 1_000_001;

  public static ErrorCode codeOf(Throwable failure) {
    if (refusedWith(failure, NOT_MASTER) || withheld(failure)) {
      return ErrorCode.UNAVAILABLE_IN_CURRENT_MODE;
    }
    if (failure instanceof ReplyException reply) {
      return reply.failureType() == ReplyFailure.TIMEOUT ? ErrorCode.RPC_TIMEOUT : ErrorCode.RPC_FAIL;
    }
    if (failure instanceof Departures.Departed || failure instanceof MasterCalls.NoMaster
        || failure instanceof MasterCalls.StaleAnswer) {
      return ErrorCode.RPC_FAIL;
    }
    return ErrorCode.INTERNAL_ERROR;
  }

  /**
   * True if the request certainly did nothing and another attempt may reach an active master: nobody consumed the
   * address (no master yet, or a failover under way), or a master-role node refused it as not the active master.
   */
  public static boolean undelivered(Throwable failure) {
    return (failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.NO_HANDLERS)
        || refusedWith(failure, NOT_MASTER);
  }

  /** True if the master withheld its answer because it lost its lease: it is no longer the one to ask. */
  public static boolean withheld(Throwable failure) {
    return refusedWith(failure, ANSWER_WITHHELD);
  }

  /** The recipient failed the request with {@code code}. */
  private static boolean refusedWith(Throwable failure, int code) {
    return failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.RECIPIENT_FAILURE
        && reply.failureCode() == code;
  }

  /**
   * True if the request may or may not have been applied (timed out, its target vanished mid-call, or the master
   * withheld its answer after losing the lease).
   */
  public static boolean lost(Throwable failure) {
    return failure instanceof Departures.Departed
        || (failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.TIMEOUT)
        || withheld(failure);
  }
}
