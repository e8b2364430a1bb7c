package io.kvcache.gateway;

import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.StatusException;

import java.util.List;

/** Checks shared by the handlers: a malformed call as a whole fails with INVALID_ARGUMENT. */
final class Validation {
  private Validation() {}

  /** Validates the batch length and encodes its keys (invalid keys get INVALID_PARAMS each). */
  static KeyBatch checkedBatch(GatewayOptions options, String namespace, List<String> keys) {
    if (keys.size() > options.maxBatchSize()) {
      throw new StatusException(GrpcStatus.INVALID_ARGUMENT,
          "batch of " + keys.size() + " keys exceeds max_batch_size " + options.maxBatchSize());
    }
    return KeyBatch.of(namespace, keys, options.maxKeySize());
  }
}
