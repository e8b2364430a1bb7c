package io.kvcache.gateway.grpc;

import java.util.concurrent.atomic.LongAdder;

/**
 * Reply bytes the node's connections have handed to HTTP/2 and that are not yet written to a socket: held while a
 * client's flow-control window (or its socket) is full, released when written or when their stream or connection ends.
 * What a stalled reader costs the node, as a gauge.
 *
 * <p>Thread-safe (a LongAdder; every connection's event loop adds and removes).
 */
public final class ReplyBacklog {
  private final LongAdder bytes = new LongAdder();

  void queued(long n) {
    bytes.add(n);
  }

  void done(long n) {
    bytes.add(-n);
  }

  public long bytes() {
    return bytes.sum();
  }
}
