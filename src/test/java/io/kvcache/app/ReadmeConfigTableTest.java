package io.kvcache.app;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The README's configuration table must list exactly the keys of {@link ConfigSchema}, with the same defaults. */
class ReadmeConfigTableTest {
  private static final Pattern ROW = Pattern.compile("^\\| `([a-z0-9_]+)` \\| `([^`]*)` \\|");

  @Test
  void readmeTableMatchesTheSchema() throws IOException {
    Map<String, String> documented = new LinkedHashMap<>();
    boolean inConfigSection = false;
    for (String line : Files.readAllLines(Path.of("README.md"))) {
      if (line.startsWith("## ")) {
        inConfigSection = line.equals("## Configuration");
      }
      Matcher m = ROW.matcher(line);
      if (inConfigSection && m.find()) {
        documented.put(m.group(1), m.group(2));
      }
    }
    Map<String, String> actual = new LinkedHashMap<>();
    for (ConfigKey key : ConfigSchema.keys()) {
      actual.put(key.name(), key.defaultText());
    }
    assertEquals(actual, documented, "README config table vs ConfigSchema (name -> default)");
  }
}
