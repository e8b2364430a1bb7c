package io.kvcache.ha;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** Who may hold the master lease, with a clock moved by hand. */
class LeaseRulesTest {
  private static final long LEASE = 2000;
  private static final long COLD = 4000;

  private static LeaseRules.Decision acquire(LeaseState cur, String node, long known, String op, long now) {
    return LeaseRules.acquire(cur, node, known, op, now, LEASE, COLD);
  }

  @Test
  void theFirstCandidateGetsTermOneAndOthersWaitUntilItExpires() {
    LeaseRules.Decision a = acquire(null, "a", 0, "op-a", 1000);
    assertTrue(a.granted());
    assertEquals(1, a.next().term());
    assertEquals(3000, a.next().expiresAtMs());
    assertEquals(0, a.next().continuedFrom());
    LeaseRules.Decision b = acquire(a.next(), "b", 0, "op-b", 2999);
    assertFalse(b.granted());
    assertNull(b.next());
    assertEquals("a", b.current().holder());
    LeaseRules.Decision later = acquire(a.next(), "b", 0, "op-b2", 3000);
    assertTrue(later.granted());
    assertEquals(2, later.next().term());
  }

  @Test
  void renewalKeepsTheLeaseOnlyForItsHolderAndTerm() {
    LeaseState held = acquire(null, "a", 0, "op", 0).next();
    LeaseRules.Decision renewed = LeaseRules.renew(held, "a", 1, 1500, LEASE);
    assertTrue(renewed.granted());
    assertEquals(3500, renewed.next().expiresAtMs());
    assertFalse(LeaseRules.renew(renewed.next(), "b", 1, 1600, LEASE).granted(), "not the holder");
    assertFalse(LeaseRules.renew(renewed.next(), "a", 2, 1600, LEASE).granted(), "not its term");
    LeaseState taken = acquire(renewed.next(), "b", 0, "op-b", 3500).next();
    assertFalse(LeaseRules.renew(taken, "a", 1, 3600, LEASE).granted(), "a paused master finds it lost the lease");
  }

  @Test
  void aSyncedStandbyTakesOverFirstWithItsCopyAndOthersOnlyAfterTheColdDelay() {
    LeaseState held = acquire(null, "a", 0, "op", 0).next();
    LeaseState synced = LeaseRules.setSynced(held, "a", 1, Set.of("b")).next();
    assertFalse(acquire(synced, "c", 0, "op-c", 2000).granted(), "c is not synced: b goes first");
    LeaseRules.Decision b = acquire(synced, "b", 0, "op-b", 2000);
    assertTrue(b.granted());
    assertEquals(1, b.next().continuedFrom(), "b takes over with its copy of term 1");
    assertEquals(Set.of(), b.next().synced(), "a new master starts with no synced standby");
    LeaseRules.Decision cold = acquire(synced, "c", 0, "op-c", 2000 + COLD);
    assertTrue(cold.granted(), "no synced standby came: c takes over, empty");
    assertEquals(0, cold.next().continuedFrom());
  }

  @Test
  void termsGrowAboveEverythingSeenAndARetriedGrantIsIdempotent() {
    LeaseRules.Decision first = acquire(null, "a", 41, "op-1", 0);
    assertEquals(42, first.next().term(), "the entry was lost but a node had seen 41");
    LeaseRules.Decision retried = acquire(first.next(), "a", 41, "op-1", 10);
    assertTrue(retried.granted());
    assertNull(retried.next(), "nothing changes");
    assertEquals(42, retried.current().term());
  }

  @Test
  void releaseExpiresTheLeaseAtOnceKeepingTheSyncedStandbys() {
    LeaseState held = LeaseRules.setSynced(acquire(null, "a", 0, "op", 0).next(), "a", 1, Set.of("b")).next();
    assertFalse(LeaseRules.release(held, "b", 1, 100).granted() || LeaseRules.release(held, "b", 1, 100).next() != null);
    LeaseState released = LeaseRules.release(held, "a", 1, 100).next();
    assertEquals(100, released.expiresAtMs());
    assertTrue(acquire(released, "b", 0, "op-b", 100).granted());
  }
}
