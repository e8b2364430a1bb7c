package io.kvcache.testing;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;

import java.util.SplittableRandom;

/** Deterministic test values: the same (seed, size) always gives the same bytes, so readers can verify without copies. */
public final class Values {
  private Values() {}

  public static ByteString value(String seed, int size) {
    byte[] bytes = new byte[size];
    SplittableRandom random = new SplittableRandom(seed.hashCode() * 31L + size);
    int i = 0;
    for (; i + 8 <= size; i += 8) {
      long word = random.nextLong();
      for (int b = 0; b < 8; b++) {
        bytes[i + b] = (byte) (word >>> (8 * b));
      }
    }
    for (; i < size; i++) {
      bytes[i] = (byte) random.nextInt();
    }
    return UnsafeByteOperations.unsafeWrap(bytes);
  }
}
