package io.kvcache.bench.alloc;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code --key value} and {@code --flag} arguments of the benchmark mains; unknown keys stop the run with the valid ones. */
final class BenchArgs {
  private final Map<String, String> values = new HashMap<>();

  BenchArgs(String[] args, Set<String> flags, Set<String> keys) {
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--")) {
        throw new IllegalArgumentException("expected --option, got '" + arg + "'");
      }
      String key = arg.substring(2);
      int eq = key.indexOf('=');
      if (eq >= 0) {
        values.put(checked(key.substring(0, eq), flags, keys), key.substring(eq + 1));
      } else if (flags.contains(key)) {
        values.put(key, "true");
      } else if (i + 1 < args.length) {
        values.put(checked(key, flags, keys), args[++i]);
      } else {
        throw new IllegalArgumentException("--" + key + " needs a value");
      }
    }
  }

  private static String checked(String key, Set<String> flags, Set<String> keys) {
    if (!keys.contains(key) && !flags.contains(key)) {
      throw new IllegalArgumentException("unknown option --" + key + "; valid: " + keys + " and flags " + flags);
    }
    return key;
  }

  boolean flag(String key) {
    return values.containsKey(key);
  }

  String string(String key, String fallback) {
    return values.getOrDefault(key, fallback);
  }

  long longValue(String key, long fallback) {
    return values.containsKey(key) ? Long.parseLong(values.get(key)) : fallback;
  }

  double doubleValue(String key, double fallback) {
    return values.containsKey(key) ? Double.parseDouble(values.get(key)) : fallback;
  }

  List<String> list(String key, String fallback) {
    List<String> items = new ArrayList<>();
    for (String item : string(key, fallback).split(",")) {
      if (!item.isBlank()) {
        items.add(item.trim());
      }
    }
    return items;
  }

  /** --skew no|yes|both: the skewed-capacity settings to run. */
  List<Boolean> skews(String fallback) {
    return switch (string("skew", fallback)) {
      case "no" -> List.of(false);
      case "yes" -> List.of(true);
      case "both" -> List.of(false, true);
      default -> throw new IllegalArgumentException("--skew takes no, yes or both");
    };
  }

  List<Long> longs(String key, String fallback) {
    return list(key, fallback).stream().map(Long::parseLong).toList();
  }
}
