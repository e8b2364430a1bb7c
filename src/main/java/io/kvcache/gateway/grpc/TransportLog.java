package io.kvcache.gateway.grpc;

import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What the transport logs about its clients: one line per event, no stack trace (a client's bad bytes are not our bug),
 * at most {@link #LINES_PER_MINUTE} lines a minute; the rest are counted and reported in one line when the next minute
 * starts. Our own failures (a method that threw) are logged with their stack trace, under the same limit.
 *
 * <p>Thread-safe (atomic counters).
 */
final class TransportLog {
  private static final Logger LOG = Logger.getLogger("io.kvcache.gateway.grpc");
  static final int LINES_PER_MINUTE = 20;
  private static final AtomicLong minute = new AtomicLong();
  private static final AtomicLong linesThisMinute = new AtomicLong();
  private static final AtomicLong suppressed = new AtomicLong();

  private TransportLog() {}

  /** A client-caused failure: one INFO line, rate-limited. */
  static void clientFault(String what, Throwable cause) {
    if (admit()) {
      LOG.info(what + ": " + cause);
    }
  }

  /** A failure of ours while serving a call: WARNING with its stack trace, rate-limited. */
  static void serverFault(String what, Throwable cause) {
    if (admit()) {
      LOG.log(Level.WARNING, what, cause);
    }
  }

  private static boolean admit() {
    long now = System.nanoTime() / 60_000_000_000L;
    long seen = minute.get();
    if (now != seen && minute.compareAndSet(seen, now)) {
      linesThisMinute.set(0);
      long dropped = suppressed.getAndSet(0);
      if (dropped > 0) {
        LOG.info("suppressed " + dropped + " transport log lines in the last minute");
      }
    }
    if (linesThisMinute.incrementAndGet() <= LINES_PER_MINUTE) {
      return true;
    }
    suppressed.incrementAndGet();
    return false;
  }
}
