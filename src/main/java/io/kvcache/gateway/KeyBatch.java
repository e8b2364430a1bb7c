package io.kvcache.gateway;

import io.kvcache.metadata.ObjectKey;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.replica.KeyCodec;

import java.util.ArrayList;
import java.util.List;

/**
 * The keys of one call, validated and encoded: invalid keys (empty, too long) get INVALID_PARAMS and are never sent to a
 * shard; the valid ones are encoded (and hashed) once, with their position in the call so results can be put back in
 * order.
 */
final class KeyBatch {
  final ErrorCode[] codes;      // INVALID_PARAMS for refused keys, null for keys sent on
  final List<ObjectKey> keys;   // the valid keys, encoded
  final int[] positions;        // position in the call of each encoded key

  private KeyBatch(ErrorCode[] codes, List<ObjectKey> keys, int[] positions) {
    this.codes = codes;
    this.keys = keys;
    this.positions = positions;
  }

  static KeyBatch of(String namespace, List<String> keys, int maxKeyBytes) {
    ErrorCode[] codes = new ErrorCode[keys.size()];
    List<ObjectKey> encoded = new ArrayList<>(keys.size());
    int[] positions = new int[keys.size()];
    for (int i = 0; i < keys.size(); i++) {
      if (KeyCodec.validate(namespace, keys.get(i), maxKeyBytes) != null) {
        codes[i] = ErrorCode.INVALID_PARAMS;
      } else {
        positions[encoded.size()] = i;
        encoded.add(ObjectKey.of(namespace, keys.get(i)));
      }
    }
    return new KeyBatch(codes, encoded, positions);
  }

  int size() {
    return codes.length;
  }

  /** Copies per-key results of the encoded keys back into {@link #codes}, by position. */
  void merge(ErrorCode[] encodedCodes) {
    for (int j = 0; j < encodedCodes.length; j++) {
      codes[positions[j]] = encodedCodes[j];
    }
  }

  int failures() {
    int failed = 0;
    for (ErrorCode c : codes) {
      if (c != ErrorCode.OK) {
        failed++;
      }
    }
    return failed;
  }
}
