package io.kvcache.ssd.bucket;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A stored object's key: opaque bytes (the store's encoded key, namespace included), compared by content.
 *
 * <p>Immutable (the bytes are copied in and never handed out); thread-safe.
 */
public final class SsdKey implements Comparable<SsdKey> {
  private final byte[] bytes;
  private final int hash;

  private SsdKey(byte[] bytes) {
    this.bytes = bytes;
    this.hash = Arrays.hashCode(bytes);
  }

  public static SsdKey of(byte[] bytes) {
    return new SsdKey(bytes.clone());
  }

  public static SsdKey of(String key) {
    return new SsdKey(key.getBytes(StandardCharsets.UTF_8));
  }

  /** A copy of the key bytes. */
  public byte[] bytes() {
    return bytes.clone();
  }

  public int length() {
    return bytes.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SsdKey other && hash == other.hash && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public int compareTo(SsdKey o) {
    return Arrays.compareUnsigned(bytes, o.bytes);
  }

  /** The key as UTF-8 text (malformed bytes replaced), for logs and messages. */
  @Override
  public String toString() {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
