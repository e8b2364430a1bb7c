package io.kvcache.replica;

import java.util.ArrayDeque;

/**
 * An upper bound of the number of RE2 instructions a pattern compiles to, read off the pattern text in one pass and
 * without allocating more than one small frame per open group: so a pattern whose counted repetitions multiply into
 * millions of instructions is refused before RE2/J expands it.
 *
 * <p>Over-counts rather than under-counts: every char outside a class or escape is a literal of one instruction (flag
 * letters and group names included), a class or escape is one, {@code * + ?} add two, {@code x{n,m}} costs
 * {@code max(n, m)} copies of {@code x} plus a split per copy, a group adds two (its captures), {@code |} one.
 *
 * <p>Stateless and thread-safe.
 */
final class ProgramSizeBound {
  private ProgramSizeBound() {}

  /** Instructions in one group so far, and in its last item (what a quantifier repeats). */
  private static final class Frame {
    long total;
    long last;
  }

  /** The bound, or a value above {@code limit} as soon as the bound is certain to exceed it. */
  static long of(String p, long limit) {
    ArrayDeque<Frame> open = new ArrayDeque<>();
    Frame top = new Frame();
    long closed = 0; // the totals of the frames below top, summed (the bound only grows, so any prefix bounds it)
    int n = p.length();
    int i = 0;
    while (i < n) {
      char c = p.charAt(i);
      switch (c) {
        case '\\' -> i = escape(p, i, top);
        case '[' -> {
          i = classEnd(p, i);
          item(top, 1);
        }
        case '(' -> {
          open.push(top);
          closed += top.total;
          top = new Frame();
          i++;
        }
        case ')' -> {
          if (open.isEmpty()) {
            item(top, 1); // unbalanced: RE2/J refuses it anyway
          } else {
            Frame inner = top;
            top = open.pop();
            closed -= top.total;
            item(top, inner.total + 2);
          }
          i++;
        }
        case '|' -> {
          top.total = saturated(top.total + 1, limit);
          top.last = 0;
          i++;
        }
        case '*', '+', '?' -> {
          top.total = saturated(top.total + 2, limit);
          top.last = saturated(top.last + 2, limit);
          i++;
        }
        case '{' -> i = repeat(p, i, top, limit);
        default -> {
          item(top, 1);
          i++;
        }
      }
      if (closed + top.total > limit) {
        return limit + 1;
      }
    }
    long sum = closed + top.total + 2; // + the program's prologue (match and fail instructions)
    return Math.min(sum, limit + 1);
  }

  private static void item(Frame f, long size) {
    f.total += size;
    f.last = size;
  }

  private static long saturated(long value, long limit) {
    return Math.min(value, limit + 1);
  }

  /** One escape as one item; returns the index after it. {@code \Q...\E} quotes one literal item per char. */
  private static int escape(String p, int i, Frame top) {
    int n = p.length();
    if (i + 1 >= n) {
      item(top, 1);
      return n;
    }
    char e = p.charAt(i + 1);
    if (e == 'Q') {
      int end = p.indexOf("\\E", i + 2);
      int stop = end < 0 ? n : end;
      for (int j = i + 2; j < stop; j++) {
        item(top, 1);
      }
      return end < 0 ? n : end + 2;
    }
    item(top, 1);
    if ((e == 'x' || e == 'p' || e == 'P') && i + 2 < n && p.charAt(i + 2) == '{') {
      int close = p.indexOf('}', i + 3);
      return close < 0 ? n : close + 1;
    }
    if (e == 'x') {
      return Math.min(n, i + 4);
    }
    if (e == 'p' || e == 'P') {
      return Math.min(n, i + 3);
    }
    return i + 2;
  }

  /** The index after the class that opens at {@code i} ({@code []a]}, {@code [^]a]}, {@code [[:alpha:]]}, escapes). */
  private static int classEnd(String p, int i) {
    int n = p.length();
    int j = i + 1;
    if (j < n && p.charAt(j) == '^') {
      j++;
    }
    if (j < n && p.charAt(j) == ']') {
      j++;
    }
    while (j < n && p.charAt(j) != ']') {
      if (p.charAt(j) == '\\') {
        j += 2;
      } else if (p.charAt(j) == '[' && j + 1 < n && p.charAt(j + 1) == ':') {
        int close = p.indexOf(":]", j + 2);
        j = close < 0 ? j + 1 : close + 2;
      } else {
        j++;
      }
    }
    return Math.min(n, j + 1);
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /** {@code {n}}, {@code {n,}} or {@code {n,m}} applied to the last item; anything else is a literal '{'. */
  private static int repeat(String p, int i, Frame top, long limit) {
    int n = p.length();
    int j = i + 1;
    long min = 0;
    int digits = 0;
    while (j < n && isDigit(p.charAt(j))) {
      min = Math.min(min * 10 + (p.charAt(j) - '0'), 1_000_000);
      j++;
      digits++;
    }
    long max = min;
    if (digits > 0 && j < n && p.charAt(j) == ',') {
      j++;
      long upper = 0;
      int upperDigits = 0;
      while (j < n && isDigit(p.charAt(j))) {
        upper = Math.min(upper * 10 + (p.charAt(j) - '0'), 1_000_000);
        j++;
        upperDigits++;
      }
      max = upperDigits > 0 ? Math.max(min, upper) : min + 1; // x{n,} is n copies and a loop
    }
    if (digits == 0 || j >= n || p.charAt(j) != '}') {
      item(top, 1);
      return i + 1;
    }
    long copies = Math.max(1, max);
    long repeated = top.last + 1 > Long.MAX_VALUE / copies ? limit + 1 : (top.last + 1) * copies;
    top.total = saturated(top.total - top.last + repeated, limit);
    top.last = saturated(repeated, limit);
    return j + 1;
  }
}
