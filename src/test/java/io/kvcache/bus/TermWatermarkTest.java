package io.kvcache.bus;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class TermWatermarkTest {
  @Test
  void olderTermsAreRefusedAndCountedOthersRaiseTheMark() {
    Counter refused = new SimpleMeterRegistry().counter("refused");
    TermWatermark terms = new TermWatermark(refused);
    assertTrue(terms.admit(0));
    assertTrue(terms.admit(3));
    assertEquals(3, terms.term());
    assertTrue(terms.admit(3), "the current term again");
    assertFalse(terms.admit(2), "a replaced master's");
    assertEquals(1, refused.count());
    assertTrue(terms.admit(5));
    assertFalse(terms.admit(3));
    assertEquals(5, terms.term());
    assertEquals(2, refused.count());
  }
}
