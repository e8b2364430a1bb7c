package io.kvcache.util;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.*;

class RateLimitedLogTest {
  private final Logger logger = Logger.getLogger("io.kvcache.util.RateLimitedLogTest");
  private final List<LogRecord> records = new ArrayList<>();
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord record) {
      records.add(record);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };
  private final AtomicLong now = new AtomicLong(5_000);

  @BeforeEach
  void capture() {
    logger.setUseParentHandlers(false);
    logger.setLevel(Level.ALL);
    logger.addHandler(capture);
  }

  @AfterEach
  void release() {
    logger.removeHandler(capture);
  }

  private List<String> lines() {
    return records.stream().map(LogRecord::getMessage).toList();
  }

  @Test
  void aCategoryLogsAtMostItsBudgetPerIntervalThenOneSuppressedLine() {
    RateLimitedLog log = new RateLimitedLog(logger, Level.INFO, 3, 1000, now::get);
    int logged = 0;
    for (int i = 0; i < 1000; i++) {
      logged += log.log("bad call", () -> "attempt") ? 1 : 0;
    }
    assertEquals(3, logged);
    assertEquals(3, records.size());
    now.addAndGet(999);
    assertFalse(log.log("bad call", () -> "still within the interval"));
    now.addAndGet(1);
    assertTrue(log.log("bad call", () -> "next interval"));
    assertEquals(List.of("bad call: attempt", "bad call: attempt", "bad call: attempt",
        "bad call: 998 similar lines suppressed in the last interval", "bad call: next interval"), lines());
    assertTrue(records.stream().allMatch(r -> r.getThrown() == null && r.getLevel() == Level.INFO));
  }

  @Test
  void categoriesHaveTheirOwnBudgets() {
    RateLimitedLog log = new RateLimitedLog(logger, Level.FINE, 1, 1000, now::get);
    assertTrue(log.log("a", () -> "1"));
    assertFalse(log.log("a", () -> "2"));
    assertTrue(log.log("b", () -> "1"));
    assertEquals(List.of("a: 1", "b: 1"), lines());
  }

  @Test
  void aLineIsOneLineOfBoundedLengthAndIsBuiltOnlyWhenLogged() {
    RateLimitedLog log = new RateLimitedLog(logger, Level.INFO, 1, 1000, now::get);
    assertTrue(log.log("c", () -> "first\nINFO forged: line\r\u0000" + "x".repeat(10_000)));
    String line = lines().get(0);
    assertFalse(line.chars().anyMatch(Character::isISOControl), line);
    assertTrue(line.startsWith("c: first\\u000aINFO forged: line\\u000d\\u0000x"), line);
    assertEquals(RateLimitedLog.MAX_LINE_CHARS + 3, line.length());
    assertFalse(log.log("c", () -> {
      throw new AssertionError("a suppressed line is never built");
    }));
    logger.setLevel(Level.WARNING);
    assertFalse(new RateLimitedLog(logger, Level.INFO, 1, 1000, now::get).log("d", () -> {
      throw new AssertionError("nor one below the logger's level");
    }));
  }

  @Test
  void aFailureIsDescribedWithoutItsStack() {
    assertEquals("IllegalStateException: Promise already completed",
        RateLimitedLog.describe(new IllegalStateException("Promise already completed")));
  }
}
