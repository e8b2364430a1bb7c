package io.kvcache.gateway;

/**
 * Whether a client's (offset, length) range fits its registered buffer, decided before any arithmetic that could
 * overflow: the signs and the value-size cap first, then {@code offset <= size - length}, which cannot overflow once
 * {@code 0 <= length <= size} holds (a length above the size fails first).
 *
 * <p>Thread-safe (stateless).
 */
final class RangeCheck {
  private RangeCheck() {}

  /**
   * @param minLength 1 for puts (a value is never empty), 0 for gets (a room of 0 bytes asks only for the length)
   * @param maxValueSize the node's {@code max_value_size}
   * @param bufferSize the registered buffer's size (positive)
   */
  static boolean fits(long offset, long length, long minLength, long maxValueSize, long bufferSize) {
    if (offset < 0 || length < minLength || length > maxValueSize || length > bufferSize) {
      return false;
    }
    return offset <= bufferSize - length;
  }
}
