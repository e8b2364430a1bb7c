package io.kvcache.ssd.bucket;

import io.kvcache.proto.v1.ErrorCode;

/** Outcome of loading one object: its size (bytes written to the destination) or why it failed. Immutable. */
public record LoadResult(SsdKey key, ErrorCode code, long size, String message) {
  static LoadResult loaded(SsdKey key, long size) {
    return new LoadResult(key, ErrorCode.OK, size, "");
  }

  static LoadResult failed(SsdKey key, ErrorCode code, String message) {
    return new LoadResult(key, code, -1, message);
  }

  public boolean isOk() {
    return code == ErrorCode.OK;
  }
}
