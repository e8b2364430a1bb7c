package io.kvcache.util;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A log for what clients (or peers) can cause, so that no caller can fill the node's log: per category at most
 * {@code linesPerInterval} lines each {@code intervalMs}, then nothing until the interval ends; the first line logged
 * after it is preceded by one line saying how many were suppressed. Every line is one line: no stack trace, control characters escaped, at most
 * {@link #MAX_LINE_CHARS} chars (client input can be long and can carry newlines).
 *
 * <p>Categories name a kind of event ({@code "task failed"}); they come from code, never from a client, so their
 * number stays small.
 *
 * <p>Thread-safe: one window per category, updated under that window's lock (a few field updates).
 */
public final class RateLimitedLog {
  static final int MAX_LINE_CHARS = 512;

  private final Logger logger;
  private final Level level;
  private final int linesPerInterval;
  private final long intervalMs;
  private final LongSupplier clockMs;
  private final Map<String, Window> windows = new ConcurrentHashMap<>();

  /** One category's interval: when it started, lines logged in it, lines suppressed in it. */
  private static final class Window {
    long startMs;
    int logged;
    long suppressed;
  }

  public RateLimitedLog(Logger logger, Level level, int linesPerInterval, long intervalMs, LongSupplier clockMs) {
    if (linesPerInterval < 1 || intervalMs < 1) {
      throw new IllegalArgumentException("need at least one line per interval of at least 1 ms");
    }
    this.logger = logger;
    this.level = level;
    this.linesPerInterval = linesPerInterval;
    this.intervalMs = intervalMs;
    this.clockMs = clockMs;
  }

  /** At most 10 lines per category every 10 s, on the monotonic clock. */
  public static RateLimitedLog of(Logger logger, Level level) {
    return new RateLimitedLog(logger, level, 10, 10_000, () -> System.nanoTime() / 1_000_000L);
  }

  /**
   * Logs {@code category + ": " + message} unless the category's budget for this interval is spent; the message is
   * built only if it is logged. Returns whether it was.
   */
  public boolean log(String category, Supplier<String> message) {
    if (!admit(category)) {
      return false;
    }
    logger.log(level, oneLine(category + ": " + message.get()));
    return true;
  }

  /**
   * Like {@link #log}, under the same budget, but with {@code failure}'s stack trace: for failures that are our own
   * defects (the stack is what fixes them), never for what a client sent.
   */
  public boolean logDefect(String category, Supplier<String> message, Throwable failure) {
    if (!admit(category)) {
      return false;
    }
    logger.log(level, oneLine(category + ": " + message.get()), failure);
    return true;
  }

  /** Whether the category may log a line now; logs the count suppressed in the interval that ended. */
  private boolean admit(String category) {
    if (!logger.isLoggable(level)) {
      return false;
    }
    long now = clockMs.getAsLong();
    Window w = windows.computeIfAbsent(category, c -> new Window());
    long suppressedBefore;
    synchronized (w) {
      suppressedBefore = 0;
      if (now - w.startMs >= intervalMs || w.logged == 0 && w.suppressed == 0) {
        suppressedBefore = w.suppressed;
        w.startMs = now;
        w.logged = 0;
        w.suppressed = 0;
      }
      if (w.logged >= linesPerInterval) {
        w.suppressed++;
        return false;
      }
      w.logged++;
    }
    if (suppressedBefore > 0) {
      logger.log(level, category + ": " + suppressedBefore + " similar lines suppressed in the last interval");
    }
    return true;
  }

  /** {@code text} with control characters escaped and cut at {@link #MAX_LINE_CHARS}. */
  static String oneLine(String text) {
    StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_LINE_CHARS) + 8);
    for (int i = 0; i < text.length() && out.length() < MAX_LINE_CHARS; i++) {
      char c = text.charAt(i);
      if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    if (out.length() >= MAX_LINE_CHARS && text.length() > MAX_LINE_CHARS) {
      out.setLength(MAX_LINE_CHARS);
      out.append("...");
    }
    return out.toString();
  }

  /** What a failure says, in one line: its type and message, never its stack. */
  public static String describe(Throwable failure) {
    return failure == null ? "null" : failure.getClass().getSimpleName() + ": " + failure.getMessage();
  }
}
