package io.kvcache.gateway.grpc;

import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.StatusException;

/**
 * How a failed call is answered: a {@link StatusException} keeps its status and message (a malformed call), a client's
 * cancellation is CANCELLED (never sent: the stream is gone); anything else is a bug of ours, logged (rate-limited), and
 * answered INTERNAL.
 */
public final class GrpcFailures {
  private GrpcFailures() {}

  /** The status and message to end a call with. */
  public record Failure(GrpcStatus status, String message) {}

  public static Failure of(String method, Throwable cause) {
    if (cause instanceof StatusException status) {
      return new Failure(status.status(), status.message());
    }
    if (cause instanceof ServerCall.CancelledException) {
      return new Failure(GrpcStatus.CANCELLED, cause.getMessage()); // the client left; nothing of ours went wrong
    }
    TransportLog.serverFault("call " + method + " failed", cause);
    return new Failure(GrpcStatus.INTERNAL, String.valueOf(cause.getMessage()));
  }
}
