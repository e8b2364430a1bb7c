package io.kvcache.ssd.bucket;

import io.kvcache.proto.v1.ErrorCode;

/**
 * Outcome of storing one object: where it lives (bucket id, byte offset in the bucket file, size) or why not.
 * Immutable.
 */
public record StoreResult(SsdKey key, ErrorCode code, long bucketId, long offset, long size, String message) {
  static StoreResult stored(SsdKey key, long bucketId, long offset, long size) {
    return new StoreResult(key, ErrorCode.OK, bucketId, offset, size, "");
  }

  static StoreResult failed(SsdKey key, ErrorCode code, String message) {
    return new StoreResult(key, code, -1, -1, -1, message);
  }

  public boolean isOk() {
    return code == ErrorCode.OK;
  }
}
