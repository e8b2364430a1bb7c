package io.kvcache.replica;

import io.kvcache.proto.v1.ErrorCode;

/**
 * What a bulk removal (RemoveAll, RemoveByRegex) did: OK and how many objects it removed, or the code and message that
 * say why it removed nothing.
 *
 * @param code OK, or why nothing was removed (INVALID_PARAMS, BUDGET_EXCEEDED, RPC_FAIL, ...)
 * @param removed objects removed; 0 unless {@code code} is OK
 * @param message for the client: empty when OK
 */
public record BulkRemoval(ErrorCode code, long removed, String message) {
  public BulkRemoval {
    if (code != ErrorCode.OK && removed != 0) {
      throw new IllegalArgumentException("a refused removal removed nothing, got " + removed);
    }
  }

  public static BulkRemoval removed(long count) {
    return new BulkRemoval(ErrorCode.OK, count, "");
  }

  public static BulkRemoval refused(ErrorCode code, String message) {
    return new BulkRemoval(code, 0, message);
  }

  public boolean isOk() {
    return code == ErrorCode.OK;
  }
}
