package io.kvcache.gateway.grpc;

/**
 * What one gRPC connection may cost the node, whoever is on the other end.
 *
 * @param maxConcurrentStreams streams a connection may have open at once (more are refused: REFUSED_STREAM)
 * @param maxHeaderListSize bytes of headers one request may carry
 * @param streamWindow HTTP/2 flow-control window per stream (what a client may send ahead)
 * @param connectionWindow HTTP/2 flow-control window per connection
 * @param maxFrameSize largest DATA frame we accept
 * @param maxMessageSize largest gRPC message (the 5-byte prefix is checked before anything is kept)
 * @param connectionBufferBytes request bytes one connection may have received but not yet processed, and response
 *        bytes it may have queued unsent; a stream that would exceed either fails with RESOURCE_EXHAUSTED (so a
 *        declared length is never an allocation, a client that sends a lot is capped, and so is one that does not read)
 * @param idleTimeoutMs a connection with no open stream and no traffic this long is closed
 * @param messageTimeoutMs a stream whose current request message stops growing this long is failed (DEADLINE); one
 *        whose queued reply stops draining this long is reset
 */
public record TransportLimits(int maxConcurrentStreams, int maxHeaderListSize, int streamWindow, int connectionWindow,
                              int maxFrameSize, long maxMessageSize, long connectionBufferBytes, long idleTimeoutMs,
                              long messageTimeoutMs) {

  /**
   * Limits for a store whose largest message is {@code maxMessageSize}: flow-control windows of twice a message (at most
   * 16 MiB per stream), and a connection may hold two of its largest messages (at least 256 MiB) unprocessed.
   */
  public static TransportLimits of(int maxConcurrentStreams, long maxMessageSize, long idleTimeoutMs,
                                   long messageTimeoutMs) {
    int window = (int) Math.min(Integer.MAX_VALUE, Math.max(1L << 20, 2 * Math.min(maxMessageSize, 8L << 20)));
    return new TransportLimits(maxConcurrentStreams, 16 << 10, window, 4 * window, 1 << 20, maxMessageSize,
        Math.max(256L << 20, 2 * maxMessageSize), idleTimeoutMs, messageTimeoutMs);
  }
}
