package io.kvcache.api;

import io.kvcache.proto.bus.KeyResult;
import io.kvcache.proto.v1.ErrorCode;

/** Per-key results of a request fanned out over shards, in the caller's key order, plus the lease TTL granted. */
record ShardResults(KeyResult[] results, long leaseTtlMs) {
  ErrorCode code(int i) {
    return results[i].getCode();
  }

  int size() {
    return results.length;
  }
}
