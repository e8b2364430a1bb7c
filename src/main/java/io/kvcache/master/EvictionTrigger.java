package io.kvcache.master;

import io.vertx.core.Future;

/** Asks the master's eviction for a round now; true if it freed anything. */
@FunctionalInterface
public interface EvictionTrigger {
  Future<Boolean> evictNow();
}
