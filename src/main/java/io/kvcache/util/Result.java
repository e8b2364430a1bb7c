package io.kvcache.util;

import io.kvcache.proto.v1.ErrorCode;

import java.util.Objects;
import java.util.function.Function;

/**
 * A value, or the error code that says why there is none: Mooncake's {@code tl::expected<T, ErrorCode>}. Returned
 * instead of {@code null} plus a "last error" field, which a second caller (or a second thread) would overwrite before
 * the first one read it.
 *
 * @param code {@link ErrorCode#OK} exactly when {@code value} is present
 * @param value the result; null unless {@code code} is OK
 */
public record Result<T>(ErrorCode code, T value) {
  public Result {
    Objects.requireNonNull(code, "code");
    if ((code == ErrorCode.OK) != (value != null)) {
      throw new IllegalArgumentException("a result has a value exactly when its code is OK, got " + code);
    }
  }

  public static <T> Result<T> ok(T value) {
    return new Result<>(ErrorCode.OK, Objects.requireNonNull(value, "value"));
  }

  public static <T> Result<T> fail(ErrorCode code) {
    return new Result<>(code, null);
  }

  public boolean isOk() {
    return code == ErrorCode.OK;
  }

  /** The same failure with another value type (a failed result carries no value to convert). */
  public <U> Result<U> map(Function<T, U> f) {
    return isOk() ? ok(f.apply(value)) : fail(code);
  }
}
