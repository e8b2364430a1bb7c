package io.kvcache.cluster;

import com.hazelcast.map.EntryProcessor;
import io.kvcache.ha.LeaseRules;
import io.kvcache.ha.LeaseState;

import java.util.Map;
import java.util.Set;

/**
 * One {@link LeaseRules} step run atomically on the lease entry's owner, with the owner's wall clock. The backups get
 * the value the owner stored (not this processor run again with their own clocks, which would make them disagree).
 *
 * <p>Serialised with the call; one instance per call.
 */
final class LeaseProcessor implements EntryProcessor<String, LeaseState, LeaseRules.Decision> {
  enum Op { ACQUIRE, RENEW, SET_SYNCED, RELEASE }

  private final Op op;
  private final String node;
  private final long term;      // RENEW, SET_SYNCED, RELEASE: the holder's term; ACQUIRE: highest term seen
  private final String opId;
  private final long leaseMs;
  private final long coldTakeoverMs;
  private final Set<String> synced;
  private transient LeaseState written;

  LeaseProcessor(Op op, String node, long term, String opId, long leaseMs, long coldTakeoverMs, Set<String> synced) {
    this.op = op;
    this.node = node;
    this.term = term;
    this.opId = opId;
    this.leaseMs = leaseMs;
    this.coldTakeoverMs = coldTakeoverMs;
    this.synced = Set.copyOf(synced);
  }

  @Override
  public LeaseRules.Decision process(Map.Entry<String, LeaseState> entry) {
    LeaseState cur = entry.getValue();
    long now = System.currentTimeMillis();
    LeaseRules.Decision d = switch (op) {
      case ACQUIRE -> LeaseRules.acquire(cur, node, term, opId, now, leaseMs, coldTakeoverMs);
      case RENEW -> LeaseRules.renew(cur, node, term, now, leaseMs);
      case SET_SYNCED -> LeaseRules.setSynced(cur, node, term, synced);
      case RELEASE -> LeaseRules.release(cur, node, term, now);
    };
    if (d.next() != null) {
      entry.setValue(d.next());
      written = d.next();
    }
    return d;
  }

  @Override
  public EntryProcessor<String, LeaseState, LeaseRules.Decision> getBackupProcessor() {
    return written == null ? null : new Store(written);
  }

  /** The backups' step: store what the owner stored. */
  static final class Store implements EntryProcessor<String, LeaseState, LeaseRules.Decision> {
    private final LeaseState value;

    Store(LeaseState value) {
      this.value = value;
    }

    @Override
    public LeaseRules.Decision process(Map.Entry<String, LeaseState> entry) {
      entry.setValue(value);
      return null;
    }

    @Override
    public EntryProcessor<String, LeaseState, LeaseRules.Decision> getBackupProcessor() {
      return null;
    }
  }
}
