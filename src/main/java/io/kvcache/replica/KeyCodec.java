package io.kvcache.replica;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The internal form of a key: {@code [varint namespace length][namespace UTF-8][key UTF-8]}. Length-prefixing keeps every
 * (namespace, key) pair distinct whatever bytes either contains. Also the hashes that pick a shard and a table slot.
 *
 * <p>Stateless and thread-safe.
 */
public final class KeyCodec {
  private KeyCodec() {}

  /** Encodes (namespace, key); the caller validates sizes with {@link #validate}. */
  public static byte[] encode(String namespace, String key) {
    byte[] ns = namespace.getBytes(StandardCharsets.UTF_8);
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    int prefix = varintSize(ns.length);
    byte[] out = new byte[prefix + ns.length + k.length];
    int at = 0;
    for (int n = ns.length; ; n >>>= 7) {
      if ((n & ~0x7F) == 0) {
        out[at++] = (byte) n;
        break;
      }
      out[at++] = (byte) ((n & 0x7F) | 0x80);
    }
    System.arraycopy(ns, 0, out, at, ns.length);
    System.arraycopy(k, 0, out, at + ns.length, k.length);
    return out;
  }

  /** Null if (namespace, key) is acceptable, else why not: empty key, or the encoded key longer than maxKeyBytes. */
  public static String validate(String namespace, String key, int maxKeyBytes) {
    if (key.isEmpty()) {
      return "empty key";
    }
    long bytes = (long) utf8Length(namespace) + utf8Length(key);
    if (bytes > maxKeyBytes) {
      return "key of " + bytes + " bytes (namespace included) exceeds max_key_size " + maxKeyBytes;
    }
    return null;
  }

  /** The encoded-key prefix of a namespace: every key of it starts with these bytes (and no key of another does). */
  public static byte[] namespacePrefix(String namespace) {
    byte[] withEmptyKey = encode(namespace, "");
    return withEmptyKey;
  }

  /** True if {@code encoded} belongs to the namespace whose {@link #namespacePrefix} is {@code prefix}. */
  public static boolean inNamespace(byte[] encoded, byte[] prefix) {
    return encoded.length >= prefix.length && Arrays.equals(encoded, 0, prefix.length, prefix, 0, prefix.length);
  }

  /** The user-visible key part of an encoded key (namespace stripped). */
  public static String userKey(byte[] encoded) {
    int nsLength = 0;
    int shift = 0;
    int at = 0;
    byte b;
    do {
      b = encoded[at++];
      nsLength |= (b & 0x7F) << shift;
      shift += 7;
    } while ((b & 0x80) != 0);
    int start = at + nsLength;
    return new String(encoded, start, encoded.length - start, StandardCharsets.UTF_8);
  }

  /** 32-bit hash of an encoded key (FNV-1a with a murmur finaliser: cheap and well mixed in every bit). */
  public static int hash(byte[] encoded) {
    int h = 0x811C9DC5;
    for (byte b : encoded) {
      h = (h ^ (b & 0xFF)) * 0x01000193;
    }
    h ^= h >>> 16;
    h *= 0x85EBCA6B;
    h ^= h >>> 13;
    h *= 0xC2B2AE35;
    return h ^ (h >>> 16);
  }

  /** Shard of a key hash; uses the high bits so the table (which uses the low bits) stays well spread per shard. */
  public static int shardOf(int hash, int shards) {
    return (int) (((hash >>> 1) * (long) shards) >>> 31);
  }

  public static boolean same(byte[] a, byte[] b) {
    return Arrays.equals(a, b);
  }

  private static int varintSize(int n) {
    int size = 1;
    while ((n & ~0x7F) != 0) {
      n >>>= 7;
      size++;
    }
    return size;
  }

  private static int utf8Length(String s) {
    int bytes = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        bytes++;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }
}
