package io.kvcache.app;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The README is plain text: no terminal escape codes or other control characters slip into it. */
class ReadmeTest {
  @Test
  void readmeHasNoControlCharactersButNewlinesAndTabs() throws IOException {
    byte[] readme = Files.readAllBytes(Path.of("README.md"));
    StringBuilder found = new StringBuilder();
    int line = 1;
    for (byte b : readme) {
      if (b == '\n') {
        line++;
      } else if ((b & 0xFF) < 0x20 && b != '\t' || b == 0x7F) {
        found.append(String.format("line %d: byte 0x%02x%n", line, b & 0xFF));
      }
    }
    assertEquals("", found.toString(), "control characters in README.md");
  }
}
