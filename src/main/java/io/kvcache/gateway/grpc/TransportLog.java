package io.kvcache.gateway.grpc;

import io.kvcache.util.RateLimitedLog;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What the transport logs: a client-caused failure as one INFO line without a stack trace (a client's bad bytes are not
 * our bug), a failure of ours while serving a call as a WARNING with its stack trace; both rate-limited per kind, so no
 * client can fill the log.
 *
 * <p>Thread-safe ({@link RateLimitedLog} is).
 */
final class TransportLog {
  private static final Logger LOG = Logger.getLogger("io.kvcache.gateway.grpc");
  private static final RateLimitedLog CLIENT = RateLimitedLog.of(LOG, Level.INFO);
  private static final RateLimitedLog SERVER = RateLimitedLog.of(LOG, Level.WARNING);

  private TransportLog() {}

  static void clientFault(String what, Throwable cause) {
    CLIENT.log(what, () -> RateLimitedLog.describe(cause));
  }

  static void serverFault(String what, Throwable cause) {
    SERVER.logDefect(what, () -> RateLimitedLog.describe(cause), cause);
  }
}
