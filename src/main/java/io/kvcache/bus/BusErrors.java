package io.kvcache.bus;

import io.kvcache.proto.v1.ErrorCode;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

/** Maps a failed event-bus request to the error code each affected key reports. */
public final class BusErrors {
  private BusErrors() {}

  public static ErrorCode codeOf(Throwable failure) {
    if (failure instanceof ReplyException reply) {
      return reply.failureType() == ReplyFailure.TIMEOUT ? ErrorCode.RPC_TIMEOUT : ErrorCode.RPC_FAIL;
    }
    return ErrorCode.INTERNAL_ERROR;
  }
}
