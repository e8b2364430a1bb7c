package io.kvcache.ssd.bucket;

import io.kvcache.proto.v1.ErrorCode;

/** Outcome of a per-key operation without payload (evict). Immutable. */
public record KeyResult(SsdKey key, ErrorCode code, String message) {
  public boolean isOk() {
    return code == ErrorCode.OK;
  }
}
