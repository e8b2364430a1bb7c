package io.kvcache.ha;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LeaseValidityTest {
  private static final long VALID_FOR = 1_800;

  @Test
  void aGrantCountsOnlyOnceALaterGrantWasAnsweredAndThenFromItsOwnSendTime() {
    LeaseValidity v = new LeaseValidity(VALID_FOR, 0);
    assertFalse(v.validAt(0));
    assertTrue(v.granted(100), "the acquisition: first since the reset");
    assertFalse(v.validAt(150), "not valid on the acquisition alone: its backup may have died with the owner");
    assertFalse(v.granted(500), "a renewal confirms it");
    assertTrue(v.validAt(600));
    assertTrue(v.validAt(100 + VALID_FOR - 1), "valid from the acquisition's send time, not the renewal's");
    assertFalse(v.validAt(100 + VALID_FOR));
    v.granted(900);
    assertTrue(v.validAt(500 + VALID_FOR - 1), "each answered renewal confirms the one before");
    assertFalse(v.validAt(500 + VALID_FOR));
  }

  @Test
  void validityNeverShrinksAndResetEndsItAtOnce() {
    LeaseValidity v = new LeaseValidity(VALID_FOR, 0);
    v.granted(0);
    v.granted(400);
    v.granted(800);
    assertTrue(v.validAt(400 + VALID_FOR - 1));
    v.reset(1000);
    assertFalse(v.validAt(1000), "a dropped or suspended lease is not valid");
    assertTrue(v.granted(1200), "after a reset the first grant confirms nothing");
    assertFalse(v.validAt(1300));
    v.granted(1600);
    assertTrue(v.validAt(1300));
    assertFalse(v.validAt(1200 + VALID_FOR));
  }
}
