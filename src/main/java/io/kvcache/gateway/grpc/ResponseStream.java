package io.kvcache.gateway.grpc;

import io.vertx.core.streams.WriteStream;
import io.vertx.grpc.common.GrpcStatus;

/** The messages a server-streaming method sends, closed by {@link #end()} (OK) or {@link #fail}. */
public interface ResponseStream<R> extends WriteStream<R> {
  /** Ends the call with a non-OK status (no further messages). */
  void fail(GrpcStatus status, String message);
}
