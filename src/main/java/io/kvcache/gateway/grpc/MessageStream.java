package io.kvcache.gateway.grpc;

import io.vertx.core.streams.ReadStream;

/**
 * The request messages of a streaming call. A message's bytes fields may alias the transport's receive buffers: they
 * stay valid until {@link #release} of that message (or the end of the call, whichever comes first), so a method that
 * holds on to a message's bytes must release it once it no longer needs them — that is what frees the connection's
 * budget for more requests.
 */
public interface MessageStream<Q> extends ReadStream<Q> {
  /** The bytes behind {@code message} may be reused; idempotent. */
  void release(Q message);
}
