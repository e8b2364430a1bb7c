package io.kvcache.storage.peer;

import io.kvcache.proto.v1.ErrorCode;

/** A node-to-node transfer that failed, with the code the key reports (a stackless exception: expected, not a bug). */
public final class PeerFailure extends RuntimeException {
  public final ErrorCode code;

  public PeerFailure(ErrorCode code, String message) {
    super(message, null, false, false);
    this.code = code;
  }
}
