package io.kvcache.master;

import io.vertx.core.Future;

import java.util.Set;

/**
 * Records in the master lease which standbys are synced: their copy is complete and their acknowledgements gate the
 * master's frees, so they (and only they) may take over with their copy. True once stored; false if this master no
 * longer holds the lease (or the cluster refused, e.g. without a quorum).
 */
@FunctionalInterface
public interface SyncedStandbys {
  Future<Boolean> set(Set<String> synced);
}
