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

  /**
   * Null if (namespace, key) is acceptable, else why not: empty key, a namespace or key that is not a sequence of
   * Unicode scalar values (an unpaired surrogate, which JSON's {@code \\uD800} escapes can carry), or the encoded key
   * longer than maxKeyBytes. Strings with unpaired surrogates are refused, never re-encoded: UTF-8 has no form for
   * them, and replacing each with '?' would map distinct keys (and the plain key {@code a?b}) to one object.
   */
  public static String validate(String namespace, String key, int maxKeyBytes) {
    if (key.isEmpty()) {
      return "empty key";
    }
    long nsBytes = utf8Length(namespace);
    if (nsBytes < 0) {
      return "namespace is not valid Unicode: unpaired surrogate at index " + (-nsBytes - 1);
    }
    long keyBytes = utf8Length(key);
    if (keyBytes < 0) {
      return "key is not valid Unicode: unpaired surrogate at index " + (-keyBytes - 1);
    }
    long bytes = nsBytes + keyBytes;
    if (bytes > maxKeyBytes) {
      return "key of " + bytes + " bytes (namespace included) exceeds max_key_size " + maxKeyBytes;
    }
    return null;
  }

  /** Null if {@code namespace} is a sequence of Unicode scalar values (see {@link #validate}), else why not. */
  public static String validateNamespace(String namespace) {
    return unicodeProblem("namespace", namespace);
  }

  /**
   * Null if {@code text} is a sequence of Unicode scalar values, else why not (naming it {@code what}): protobuf, UTF-8
   * and so the event bus cannot carry an unpaired surrogate and would silently send '?' instead.
   */
  public static String unicodeProblem(String what, String text) {
    long bytes = utf8Length(text);
    return bytes >= 0 ? null : what + " is not valid Unicode: unpaired surrogate at index " + (-bytes - 1);
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
    int start = userKeyStart(encoded);
    return new String(encoded, start, encoded.length - start, StandardCharsets.UTF_8);
  }

  /** Where the user key's UTF-8 bytes start in an encoded key (after the namespace's length and bytes). */
  public static int userKeyStart(byte[] encoded) {
    int nsLength = 0;
    int shift = 0;
    int at = 0;
    byte b;
    do {
      b = encoded[at++];
      nsLength |= (b & 0x7F) << shift;
      shift += 7;
    } while ((b & 0x80) != 0);
    return at + nsLength;
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

  /** UTF-8 length of {@code s}, or {@code -(index + 1)} of its first unpaired surrogate. */
  private static long utf8Length(String s) {
    long bytes = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        bytes++;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (!Character.isSurrogate(c)) {
        bytes += 3;
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        return -(i + 1L);
      }
    }
    return bytes;
  }
}
