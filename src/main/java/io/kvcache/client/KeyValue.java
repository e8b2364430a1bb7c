package io.kvcache.client;

import io.kvcache.proto.v1.ErrorCode;

/**
 * One key of a {@code batchGet}: its code and, when the code is OK, its value.
 *
 * @param value the value's bytes; empty unless {@code code} is OK
 */
public record KeyValue(ErrorCode code, byte[] value) {
  public boolean isOk() {
    return code == ErrorCode.OK;
  }
}
