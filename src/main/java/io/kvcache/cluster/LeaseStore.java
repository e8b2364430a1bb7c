package io.kvcache.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.kvcache.ha.LeaseRules;
import io.kvcache.ha.LeaseState;

import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * The master lease in the cluster: one entry ({@value #KEY}) of the map {@value #MAP}, which the cluster setup
 * configures with a backup on every other member, split-brain protection when a quorum is configured, and a "higher
 * term wins" merge policy. Every change is a {@link LeaseProcessor} on the entry's owner; calls are asynchronous.
 *
 * <p>Thread-safe (Hazelcast's map proxy is); results complete on Hazelcast threads.
 */
public final class LeaseStore {
  public static final String MAP = "kv.master.lease";
  static final String KEY = "master";

  private final IMap<String, LeaseState> map;
  private final long leaseMs;
  private final long coldTakeoverMs;

  public LeaseStore(HazelcastInstance hazelcast, long leaseMs, long coldTakeoverMs) {
    this.map = hazelcast.getMap(MAP);
    this.leaseMs = leaseMs;
    this.coldTakeoverMs = coldTakeoverMs;
  }

  public long leaseMs() {
    return leaseMs;
  }

  public CompletionStage<LeaseRules.Decision> acquire(String node, long knownMaxTerm, String opId) {
    return call(new LeaseProcessor(LeaseProcessor.Op.ACQUIRE, node, knownMaxTerm, opId, leaseMs, coldTakeoverMs,
        Set.of()));
  }

  public CompletionStage<LeaseRules.Decision> renew(String node, long term) {
    return call(new LeaseProcessor(LeaseProcessor.Op.RENEW, node, term, "", leaseMs, coldTakeoverMs, Set.of()));
  }

  public CompletionStage<LeaseRules.Decision> setSynced(String node, long term, Set<String> synced) {
    return call(new LeaseProcessor(LeaseProcessor.Op.SET_SYNCED, node, term, "", leaseMs, coldTakeoverMs, synced));
  }

  public CompletionStage<LeaseRules.Decision> release(String node, long term) {
    return call(new LeaseProcessor(LeaseProcessor.Op.RELEASE, node, term, "", leaseMs, coldTakeoverMs, Set.of()));
  }

  /** The lease as stored now (null: never granted); fails without a quorum. */
  public CompletionStage<LeaseState> read() {
    return map.getAsync(KEY);
  }

  private CompletionStage<LeaseRules.Decision> call(LeaseProcessor processor) {
    return map.submitToKey(KEY, processor);
  }
}
