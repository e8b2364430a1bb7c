package io.kvcache.metadata;

import io.kvcache.replica.KeyCodec;

/**
 * A key as the metadata knows it: the encoded (namespace, key) bytes and their hash, computed once where the key enters
 * the store and carried to its shard, which keeps this very array (no copy on the way).
 *
 * @param encoded {@link KeyCodec#encode} of the namespace and key; never written to after this record is made
 */
public record ObjectKey(byte[] encoded, int hash) {
  public static ObjectKey of(byte[] encoded) {
    return new ObjectKey(encoded, KeyCodec.hash(encoded));
  }

  public static ObjectKey of(String namespace, String key) {
    return of(KeyCodec.encode(namespace, key));
  }
}
