package io.kvcache.replica;

import com.google.re2j.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** RemoveByRegex patterns: RE2 semantics, linear-time matching, and the size checks that run before compiling. */
class KeyRegexTest {
  private static byte[] key(String namespace, String key) {
    return KeyCodec.encode(namespace, key);
  }

  @Test
  void matchesTheUserKeyBySubstringSearchNeverTheNamespace() {
    KeyRegex pageA = KeyRegex.compile("er-1/");
    assertTrue(pageA.matchesUserKey(key("rx", "layer-1/page-a")));
    assertFalse(pageA.matchesUserKey(key("rx", "layer-2/page-a")));
    assertFalse(KeyRegex.compile("rx").matchesUserKey(key("rx", "page")), "the namespace is not part of the subject");
    assertTrue(KeyRegex.compile("^page-[0-9a-f]{4}$").matchesUserKey(key("", "page-7f3a")));
    assertTrue(KeyRegex.compile("^ключ.$").matchesUserKey(key("n".repeat(300), "ключ\uD83D\uDE00")),
        "UTF-8 is matched by code point ('.' is one scalar value), after a two-byte namespace length");
  }

  @Test
  @Timeout(10)
  void theIssuesNestedQuantifierRunsInLinearTime() {
    // java.util.regex backtracks exponentially on these: 25 'a's and a '!' took seconds per key.
    List<String> patterns = List.of("(a+)+$", "(a|aa)+$", "(a*)*b", "^(a|a?)+$", "(.*a){20}$");
    byte[] k = key("", "a".repeat(25) + "!");
    for (String p : patterns) {
      KeyRegex regex = KeyRegex.compile(p);
      long start = System.nanoTime();
      for (int i = 0; i < 100; i++) {
        regex.matchesUserKey(k);
      }
      long perKeyMicros = (System.nanoTime() - start) / 100 / 1000;
      assertTrue(perKeyMicros < 50_000, p + " took " + perKeyMicros + " us per key");
    }
    assertFalse(KeyRegex.compile("(a+)+$").matchesUserKey(k));
    assertTrue(KeyRegex.compile("(a+)+!$").matchesUserKey(k));
  }

  @Test
  void backreferencesAndLookaroundAreRefusedWithAMessageThatSaysWhy() {
    IllegalArgumentException backref = assertThrows(IllegalArgumentException.class, () -> KeyRegex.compile("(a)\\1"));
    assertTrue(backref.getMessage().contains("backreferences"), backref.getMessage());
    IllegalArgumentException named = assertThrows(IllegalArgumentException.class,
        () -> KeyRegex.compile("(?<x>a)\\k<x>"));
    assertTrue(named.getMessage().contains("backreferences"), named.getMessage());
    IllegalArgumentException lookahead = assertThrows(IllegalArgumentException.class, () -> KeyRegex.compile("a(?=b)"));
    assertTrue(lookahead.getMessage().contains("lookaround"), lookahead.getMessage());
    IllegalArgumentException unclosed = assertThrows(IllegalArgumentException.class, () -> KeyRegex.compile("(unclosed"));
    assertTrue(unclosed.getMessage().startsWith("invalid regex"), unclosed.getMessage());
    assertFalse(unclosed.getMessage().contains("backreferences"));
    assertDoesNotThrow(() -> KeyRegex.compile("\\\\1"), "an escaped backslash then '1' is a literal, not a backreference");
    IllegalArgumentException lone = assertThrows(IllegalArgumentException.class, () -> KeyRegex.compile("a\uD800"));
    assertTrue(lone.getMessage().startsWith("regex is not valid Unicode"), lone.getMessage());
  }

  @Test
  @Timeout(10)
  void patternsThatWouldExpandPastTheProgramLimitAreRefusedBeforeCompiling() {
    // RE2/J compiles this to 10^9 instructions: it ran out of a 2 GiB heap after 50 s.
    for (String bomb : List.of("((a{1000}){1000}){1000}", "(?:(?:a{1000}){1000}){1000}", "(?:.{1000}){1000}",
        "(?:a{1000}){1000}", "(((a{10}){10}){10}){10}", "a{2}{2}{2}{2}{2}{2}{2}{2}{2}{2}{2}{2}{2}{2}",
        "[ab]{1000}[ab]{1000}[ab]{1000}")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KeyRegex.compile(bomb), bomb);
      assertTrue(e.getMessage().startsWith("regex too large"), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> KeyRegex.compile("a".repeat(KeyRegex.MAX_PATTERN_CHARS + 1)));
    assertTrue(KeyRegex.compile("(?:[0-9a-f]{64}-){10}").programSize() <= KeyRegex.MAX_PROGRAM_SIZE);
  }

  @Test
  void theEstimateBoundsTheRealProgramSizeFromAbove() {
    List<String> patterns = List.of("a", "abc", "(a+)+$", "(a|aa)+b", "^page-[0-9a-f]{4}$", "(?:[0-9a-f]{64}-){10}",
        "[]a]{5}", "[^]a]{5}", "[[:alpha:]]{7}x", "\\Qa{100}\\E", "\\x{41}{50}", "\\pL{30}", "\\p{Greek}{30}",
        "(?i)abc{3,9}", "(?P<name>x{2,}){3}", "a{0}", "a{,5}", "(?:(?:ab){3,5}c?){4}", "x*?y+?z??", "\\d{10}",
        "(?s).{100}", "a|b|c|d{20}", "((a{3}){3}){3}", "[\\]]{9}", "\\{3}");
    for (String p : patterns) {
      long estimate = ProgramSizeBound.of(p, 1_000_000);
      int real = Pattern.compile(p).programSize();
      assertTrue(estimate >= real, p + ": estimate " + estimate + " < real " + real);
      assertTrue(estimate <= 8L * real + 64, p + ": estimate " + estimate + " far above real " + real);
    }
  }
}
