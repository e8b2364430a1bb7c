package io.kvcache.app;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * One configuration key: its name, value kind, default, allowed range and documentation. {@link ConfigSchema} lists them
 * all; the loader, the environment override and the README table test all read that one list.
 */
public record ConfigKey(String name, Kind kind, Object defaultValue, double min, double max, List<String> choices,
                        String doc) {

  /** How a JSON value is read. */
  public enum Kind { STRING, INT, LONG, DOUBLE, BOOLEAN, BYTES, STRING_LIST, CHOICE_LIST, CHOICE }

  public ConfigKey {
    choices = choices == null ? List.of() : List.copyOf(choices);
  }

  /** Name of the environment variable that overrides this key, e.g. {@code KVSTORE_GRPC_PORT}. */
  public String envName() {
    return "KVSTORE_" + name.toUpperCase(Locale.ROOT);
  }

  /** Reads {@code raw} (a JSON value or an environment string) as this key's kind, validating range and choices. */
  public Object read(Object raw) {
    Object value = switch (kind) {
      case STRING -> requireString(raw);
      case INT -> (int) checkedRange(readLong(raw));
      case LONG -> checkedRange(readLong(raw));
      case BYTES -> checkedRange(ByteSizes.parse(name, raw));
      case DOUBLE -> checkedRange(readDouble(raw));
      case BOOLEAN -> readBoolean(raw);
      case CHOICE -> checkedChoice(requireString(raw));
      case STRING_LIST -> readList(raw);
      case CHOICE_LIST -> readList(raw).stream().map(this::checkedChoice).toList();
    };
    return value;
  }

  /** The default rendered the way the README table shows it. */
  public String defaultText() {
    if (defaultValue instanceof List<?> list) {
      return String.join(",", list.stream().map(String::valueOf).toList());
    }
    if (kind == Kind.BYTES) {
      return ByteSizes.format((Long) defaultValue);
    }
    return String.valueOf(defaultValue);
  }

  private String requireString(Object raw) {
    if (raw instanceof String s) {
      return s;
    }
    throw invalid("expected a string", raw);
  }

  private long readLong(Object raw) {
    if (raw instanceof Integer || raw instanceof Long) {
      return ((Number) raw).longValue();
    }
    if (raw instanceof String s) {
      try {
        return Long.parseLong(s.trim());
      } catch (NumberFormatException e) {
        throw invalid("expected an integer", raw);
      }
    }
    throw invalid("expected an integer", raw);
  }

  private double readDouble(Object raw) {
    if (raw instanceof Number n) {
      return n.doubleValue();
    }
    if (raw instanceof String s) {
      try {
        return Double.parseDouble(s.trim());
      } catch (NumberFormatException e) {
        throw invalid("expected a number", raw);
      }
    }
    throw invalid("expected a number", raw);
  }

  private boolean readBoolean(Object raw) {
    if (raw instanceof Boolean b) {
      return b;
    }
    if (raw instanceof String s && (s.equals("true") || s.equals("false"))) {
      return Boolean.parseBoolean(s);
    }
    throw invalid("expected true or false", raw);
  }

  private List<String> readList(Object raw) {
    List<String> out = new ArrayList<>();
    if (raw instanceof String s) {
      for (String part : s.split(",")) {
        if (!part.isBlank()) {
          out.add(part.trim());
        }
      }
    } else if (raw instanceof Iterable<?> items) {
      for (Object item : items) {
        if (!(item instanceof String s) || s.isBlank()) {
          throw invalid("expected a list of non-empty strings", raw);
        }
        out.add(s);
      }
    } else {
      throw invalid("expected a list of strings", raw);
    }
    return Collections.unmodifiableList(out);
  }

  private long checkedRange(long value) {
    if (value < min || value > max) {
      throw new ConfigException("config key '" + name + "': " + value + " is outside [" + fmt(min) + ", " + fmt(max) + "]");
    }
    return value;
  }

  private double checkedRange(double value) {
    if (!(value >= min && value <= max)) {
      throw new ConfigException("config key '" + name + "': " + value + " is outside [" + fmt(min) + ", " + fmt(max) + "]");
    }
    return value;
  }

  private String checkedChoice(String value) {
    if (!choices.contains(value)) {
      throw new ConfigException("config key '" + name + "': unknown value '" + value + "'; valid values: "
          + String.join(", ", choices));
    }
    return value;
  }

  private ConfigException invalid(String expectation, Object raw) {
    return new ConfigException("config key '" + name + "': " + expectation + ", got " + describe(raw));
  }

  private static String describe(Object raw) {
    return raw instanceof String s ? "'" + s + "'" : String.valueOf(raw);
  }

  private static String fmt(double bound) {
    return bound == Math.rint(bound) && Math.abs(bound) < 1e18 ? String.valueOf((long) bound) : String.valueOf(bound);
  }
}
