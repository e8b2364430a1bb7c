package io.kvcache.app;

import io.kvcache.util.RateLimitedLog;
import io.vertx.core.Handler;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The node's handler for exceptions no code caught (Vert.x calls it instead of logging "Unhandled exception" itself).
 *
 * <p>One case is a known Vert.x 5.0 defect, not a bug of ours, and is logged as one rate-limited FINE line: when an
 * event-bus write to another node fails (the peer just died, the connection is reset), {@code OutboundConnection}
 * completes the message's {@code OutboundDeliveryContext} with {@code socket.write(..).onComplete(writePromise)}; that
 * context handles the failure (the request fails at once, as it should) but its {@code tryFail} then returns false, so
 * {@code Promise.fail} throws "Promise already completed" though nothing was completed twice. Vert.x logged that at
 * SEVERE with a stack trace, once per failed write (dozens per peer death). Every other exception is logged as Vert.x
 * would: SEVERE with its stack.
 *
 * <p>Thread-safe (called on any event loop).
 */
final class UnhandledExceptions implements Handler<Throwable> {
  private static final Logger LOG = Logger.getLogger(UnhandledExceptions.class.getName());
  private static final RateLimitedLog DEFECT = RateLimitedLog.of(LOG, Level.FINE);

  @Override
  public void handle(Throwable failure) {
    if (isFailedWriteDefect(failure)) {
      DEFECT.log("event-bus write to a closed connection", () -> "Vert.x 5.0 OutboundDeliveryContext.tryFail returned"
          + " false after failing the message (a peer went away); the request itself failed as it should");
      return;
    }
    LOG.log(Level.SEVERE, "Unhandled exception", failure);
  }

  /** "Promise already completed" thrown by Promise.fail, from Promise.complete, run as a future's listener. */
  static boolean isFailedWriteDefect(Throwable failure) {
    if (!(failure instanceof IllegalStateException) || !"Promise already completed".equals(failure.getMessage())) {
      return false;
    }
    StackTraceElement[] stack = failure.getStackTrace();
    return stack.length >= 3
        && stack[0].getClassName().equals("io.vertx.core.Promise") && stack[0].getMethodName().equals("fail")
        && stack[1].getClassName().equals("io.vertx.core.Promise") && stack[1].getMethodName().equals("complete")
        && stack[2].getClassName().startsWith("io.vertx.core.impl.future.");
  }
}
