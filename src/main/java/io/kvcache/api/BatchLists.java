package io.kvcache.api;

import io.kvcache.proto.bus.KeyResult;

/** Puts the replica lists of a batch's valid keys back among its refused keys, in call order. */
final class BatchLists {
  private BatchLists() {}

  static ShardResults inCallOrder(KeyBatch batch, ShardResults listed) {
    KeyResult[] all = new KeyResult[batch.size()];
    for (int i = 0; i < all.length; i++) {
      if (batch.codes[i] != null) {
        all[i] = KeyResult.newBuilder().setCode(batch.codes[i]).build();
      }
    }
    for (int j = 0; j < listed.size(); j++) {
      all[batch.positions[j]] = listed.results()[j];
    }
    return new ShardResults(all, listed.leaseTtlMs());
  }
}
