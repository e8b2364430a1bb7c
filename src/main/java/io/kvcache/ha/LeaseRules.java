package io.kvcache.ha;

import java.io.Serializable;
import java.util.Set;

/**
 * Who may hold the master lease, as pure functions of the stored {@link LeaseState} and the owner's clock (the cluster
 * runs them atomically on the entry's owner; tests run them with a manual clock).
 *
 * <ul>
 *   <li><b>acquire</b>: granted when there is no lease, or it expired and the candidate is a synced standby, or no
 *       standby is synced, or it expired {@code coldTakeoverMs} ago (no synced standby came: a node takes over empty
 *       rather than nobody). The new term is above both the stored one and the highest the candidate has seen, so terms
 *       grow even if every copy of the entry was lost. Retrying a grant with the same operation id is idempotent.</li>
 *   <li><b>renew</b>: only by the holder with its term; the lease then lasts {@code leaseMs} from now again. A holder
 *       whose lease lapsed while nobody took it may renew it (nobody served in between).</li>
 *   <li><b>setSynced</b>, <b>release</b> (expire now, e.g. on shutdown, so a synced standby takes over at once):
 *       holder and term only.</li>
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
public final class LeaseRules {
  private LeaseRules() {}

  /**
   * What a rule decided.
   *
   * @param next the state to store (null: unchanged)
   * @param granted whether the caller holds (or still holds) the lease with {@code current}
   * @param current the lease after the rule (what the caller should believe)
   */
  public record Decision(LeaseState next, boolean granted, LeaseState current) implements Serializable {}

  public static Decision acquire(LeaseState cur, String candidate, long knownMaxTerm, String opId, long nowMs,
                                 long leaseMs, long coldTakeoverMs) {
    if (cur != null && cur.holder().equals(candidate) && cur.opId().equals(opId)) {
      return new Decision(null, true, cur); // our own grant, retried
    }
    if (cur != null && nowMs < cur.expiresAtMs()) {
      return new Decision(null, false, cur);
    }
    boolean synced = cur != null && cur.synced().contains(candidate);
    if (cur != null && !synced && !cur.synced().isEmpty() && nowMs - cur.expiresAtMs() < coldTakeoverMs) {
      return new Decision(null, false, cur); // a synced standby should take over (with its copy) first
    }
    long term = Math.max(cur == null ? 0 : cur.term(), knownMaxTerm) + 1;
    LeaseState next = new LeaseState(term, candidate, nowMs + leaseMs, Set.of(), opId, synced ? cur.term() : 0);
    return new Decision(next, true, next);
  }

  public static Decision renew(LeaseState cur, String holder, long term, long nowMs, long leaseMs) {
    if (!heldBy(cur, holder, term)) {
      return new Decision(null, false, cur);
    }
    LeaseState next = new LeaseState(term, holder, Math.max(cur.expiresAtMs(), nowMs + leaseMs), cur.synced(),
        cur.opId(), cur.continuedFrom());
    return new Decision(next, true, next);
  }

  public static Decision setSynced(LeaseState cur, String holder, long term, Set<String> synced) {
    if (!heldBy(cur, holder, term)) {
      return new Decision(null, false, cur);
    }
    LeaseState next = new LeaseState(term, holder, cur.expiresAtMs(), synced, cur.opId(), cur.continuedFrom());
    return new Decision(next, true, next);
  }

  public static Decision release(LeaseState cur, String holder, long term, long nowMs) {
    if (!heldBy(cur, holder, term)) {
      return new Decision(null, false, cur);
    }
    LeaseState next = new LeaseState(term, holder, Math.min(cur.expiresAtMs(), nowMs), cur.synced(), cur.opId(),
        cur.continuedFrom());
    return new Decision(next, false, next);
  }

  private static boolean heldBy(LeaseState cur, String holder, long term) {
    return cur != null && cur.holder().equals(holder) && cur.term() == term;
  }
}
