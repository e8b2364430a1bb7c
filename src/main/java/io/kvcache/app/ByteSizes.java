package io.kvcache.app;

import java.util.Locale;

/** Byte sizes in config: a plain integer (bytes) or a string with a binary unit, e.g. "64MiB", "1GiB", "512KiB". */
public final class ByteSizes {
  private ByteSizes() {}

  private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB"};

  static long parse(String key, Object raw) {
    if (raw instanceof Integer || raw instanceof Long) {
      return ((Number) raw).longValue();
    }
    if (!(raw instanceof String text)) {
      throw new ConfigException("config key '" + key + "': expected a byte size like 1048576 or \"1MiB\", got " + raw);
    }
    String s = text.trim();
    int split = 0;
    while (split < s.length() && Character.isDigit(s.charAt(split))) {
      split++;
    }
    String unit = s.substring(split).trim().toLowerCase(Locale.ROOT);
    if (split == 0 || split > 18) {
      throw new ConfigException("config key '" + key + "': expected a byte size like 1048576 or \"1MiB\", got '" + text + "'");
    }
    long number = Long.parseLong(s.substring(0, split));
    for (int i = 0; i < UNITS.length; i++) {
      if (unit.equals(UNITS[i].toLowerCase(Locale.ROOT)) || (i == 0 && unit.isEmpty())) {
        long scaled = number << (10 * i);
        if ((scaled >> (10 * i)) != number) {
          throw new ConfigException("config key '" + key + "': byte size '" + text + "' overflows");
        }
        return scaled;
      }
    }
    throw new ConfigException("config key '" + key + "': unknown unit in '" + text + "' (use B, KiB, MiB, GiB or TiB)");
  }

  /** The largest exact binary unit, e.g. 1073741824 → "1GiB", 1000 → "1000B". */
  public static String format(long bytes) {
    int unit = 0;
    while (unit < UNITS.length - 1 && bytes != 0 && (bytes & 1023) == 0) {
      bytes >>= 10;
      unit++;
    }
    return bytes + UNITS[unit];
  }
}
