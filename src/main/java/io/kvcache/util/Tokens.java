package io.kvcache.util;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Unguessable identifiers and credentials (session tokens, task tokens, load-buffer batch ids, writer ids) and their
 * comparison in constant time, so a caller cannot find a token by timing how far a wrong guess matched.
 *
 * <p>Thread-safe (SecureRandom is).
 */
public final class Tokens {
  private Tokens() {}

  private static final SecureRandom RANDOM = new SecureRandom();

  /** 128 random bits as 32 hex characters. */
  public static String random128() {
    byte[] raw = new byte[16];
    RANDOM.nextBytes(raw);
    return HexFormat.of().formatHex(raw);
  }

  /** 64 random bits, never 0 (0 means "nobody" where writer ids are compared). */
  public static long random64() {
    long id;
    do {
      id = RANDOM.nextLong();
    } while (id == 0);
    return id;
  }

  /** True if {@code presented} equals {@code expected}, in time independent of where they differ; false for null. */
  public static boolean matches(String expected, String presented) {
    return expected != null && presented != null && MessageDigest.isEqual(
        expected.getBytes(StandardCharsets.UTF_8), presented.getBytes(StandardCharsets.UTF_8));
  }
}
