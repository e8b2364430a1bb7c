package io.kvcache.client;

import io.kvcache.proto.v1.ErrorCode;

/**
 * A call that failed as a whole (RPC_TIMEOUT, RPC_FAIL, INVALID_PARAMS for a malformed call, ...) or a single-key call
 * whose key failed; {@link #code} says which.
 */
public final class KvStoreException extends RuntimeException {
  private final ErrorCode code;

  public KvStoreException(ErrorCode code, String message) {
    super(code + ": " + message);
    this.code = code;
  }

  public KvStoreException(ErrorCode code, String message, Throwable cause) {
    super(code + ": " + message, cause);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }
}
