package io.kvcache.replica;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;

import java.util.Arrays;

/**
 * A RemoveByRegex pattern: RE2 syntax matched by RE2/J, whose automaton runs in time linear in the key's length for
 * every pattern (no backtracking, so no nested-quantifier blow-up). A match is a substring search over the user key's
 * UTF-8 bytes (the namespace is not part of the subject).
 *
 * <p>Bounded before anything is allocated: a pattern longer than {@link #MAX_PATTERN_CHARS} is refused; so is one whose
 * compiled program would exceed {@link #MAX_PROGRAM_SIZE} instructions, first by an upper-bound estimate over the
 * pattern text (RE2/J expands counted repetition, so {@code ((a{1000}){1000}){1000}} would need 10^9 instructions and
 * exhaust the heap while compiling), then by the compiled program's real size. The program size bounds the cost of
 * matching one byte, so the time one key can take is bounded too.
 *
 * <p>Immutable and thread-safe (RE2/J patterns are; each match uses its own matcher).
 */
public final class KeyRegex {
  /** Longest pattern accepted, in UTF-16 chars. */
  public static final int MAX_PATTERN_CHARS = 4096;
  /** Largest compiled program accepted, in RE2 instructions. */
  public static final int MAX_PROGRAM_SIZE = 2048;
  /** The estimate may overstate the real size (it is an upper bound); only an estimate this far above is refused. */
  private static final long ESTIMATE_SLACK = 8;

  private final Pattern pattern;

  private KeyRegex(Pattern pattern) {
    this.pattern = pattern;
  }

  /** Compiles {@code regex}; throws {@link IllegalArgumentException} with a message for the client if it is refused. */
  public static KeyRegex compile(String regex) {
    if (regex.length() > MAX_PATTERN_CHARS) {
      throw new IllegalArgumentException("regex of " + regex.length() + " chars exceeds " + MAX_PATTERN_CHARS);
    }
    String notUnicode = KeyCodec.unicodeProblem("regex", regex);
    if (notUnicode != null) {
      throw new IllegalArgumentException(notUnicode);
    }
    long estimate = ProgramSizeBound.of(regex, MAX_PROGRAM_SIZE * ESTIMATE_SLACK);
    if (estimate > MAX_PROGRAM_SIZE * ESTIMATE_SLACK) {
      throw tooLarge("more than " + MAX_PROGRAM_SIZE * ESTIMATE_SLACK);
    }
    Pattern compiled;
    try {
      compiled = Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw new IllegalArgumentException("invalid regex (RE2 syntax): " + e.getDescription() + unsupportedHint(regex));
    }
    if (compiled.programSize() > MAX_PROGRAM_SIZE) {
      throw tooLarge(String.valueOf(compiled.programSize()));
    }
    return new KeyRegex(compiled);
  }

  private static IllegalArgumentException tooLarge(String size) {
    return new IllegalArgumentException("regex too large: " + size + " RE2 instructions (at most " + MAX_PROGRAM_SIZE
        + "; counted repetition such as x{100} multiplies the size of x)");
  }

  /** Names the Perl/Java constructs RE2 leaves out on purpose, when the pattern seems to use one. */
  private static String unsupportedHint(String regex) {
    boolean backreference = false;
    for (int i = 0; i + 1 < regex.length(); i++) {
      if (regex.charAt(i) == '\\') {
        char next = regex.charAt(i + 1);
        backreference |= (next >= '1' && next <= '9') || next == 'k';
        i++; // an escaped backslash escapes nothing after it
      }
    }
    boolean lookaround = regex.contains("(?=") || regex.contains("(?!") || regex.contains("(?<=")
        || regex.contains("(?<!") || regex.contains("(?>");
    if (!backreference && !lookaround) {
      return "";
    }
    return "; RE2 matches in linear time and so has no " + (backreference ? "backreferences" : "lookaround or atomic"
        + " groups") + " (see the README, RemoveByRegex)";
  }

  /** True if the user part of {@code encodedKey} (see {@link KeyCodec}) contains a match. */
  public boolean matchesUserKey(byte[] encodedKey) {
    int start = KeyCodec.userKeyStart(encodedKey);
    return pattern.matcher(Arrays.copyOfRange(encodedKey, start, encodedKey.length)).find();
  }

  /** The compiled program's size in RE2 instructions (what one subject byte can cost at most). */
  public int programSize() {
    return pattern.programSize();
  }
}
