package io.kvcache.ha;

import java.io.Serializable;
import java.util.Set;

/**
 * The master lease as the cluster stores it (one entry of a replicated map, changed only by {@link LeaseRules} run on
 * the entry's owner, with the owner's clock).
 *
 * @param term the fencing term: grows with every grant, never reused
 * @param holder node id of the master holding it
 * @param expiresAtMs the owner's wall clock at which it lapses unless renewed
 * @param synced standbys whose copy is complete and whose acknowledgements gate the holder's frees: only they may take
 *     over with their copy (and take over first)
 * @param opId the holder's id for the grant, so a retried grant (after a member left mid-call) is recognised
 * @param continuedFrom the term whose master's state the holder took over with its copy; 0 if it started empty
 */
public record LeaseState(long term, String holder, long expiresAtMs, Set<String> synced, String opId,
                         long continuedFrom) implements Serializable {
  public LeaseState {
    synced = Set.copyOf(synced);
  }
}
