package io.kvcache.replica;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class KeyCodecTest {

  @Test
  void namespacesNeverCollide() {
    assertFalse(KeyCodec.same(KeyCodec.encode("a", "bc"), KeyCodec.encode("ab", "c")));
    assertFalse(KeyCodec.same(KeyCodec.encode("", "a\u0000b"), KeyCodec.encode("a", "b")));
    assertArrayEquals(KeyCodec.encode("ns", "k"), KeyCodec.encode("ns", "k"));
  }

  @Test
  void userKeyStripsTheNamespace() {
    assertEquals("page-7f3a", KeyCodec.userKey(KeyCodec.encode("model-x", "page-7f3a")));
    String longNamespace = "n".repeat(300); // two-byte varint prefix
    assertEquals("k", KeyCodec.userKey(KeyCodec.encode(longNamespace, "k")));
    assertEquals("ключ", KeyCodec.userKey(KeyCodec.encode("", "ключ")));
  }

  @Test
  void validationRefusesEmptyAndOversizeKeysCountingUtf8Bytes() {
    assertNotNull(KeyCodec.validate("ns", "", 100));
    assertNull(KeyCodec.validate("", "k".repeat(100), 100));
    assertNotNull(KeyCodec.validate("", "k".repeat(101), 100));
    assertNotNull(KeyCodec.validate("ns", "k".repeat(99), 100), "namespace counts towards the limit");
    assertNotNull(KeyCodec.validate("", "é".repeat(51), 100), "two UTF-8 bytes per é");
  }

  @Test
  void keysAndNamespacesWithUnpairedSurrogatesAreRefused() {
    String high = "\uD83D";        // the high half of U+1F600 alone
    String low = "\uDE00";         // its low half alone
    String pair = high + low;      // U+1F600, a valid scalar value
    assertNull(KeyCodec.validate("", "a" + pair + "b", 100), "a valid pair is a key like any other");
    assertNull(KeyCodec.validate(pair, "k", 100), "and a namespace");
    assertNull(KeyCodec.validateNamespace(pair));
    assertNotNull(KeyCodec.validate("", "a" + high + "b", 100), "lone high surrogate");
    assertNotNull(KeyCodec.validate("", "a" + low + "b", 100), "lone low surrogate");
    assertNotNull(KeyCodec.validate("", "ab" + high, 100), "high surrogate at the end");
    assertNotNull(KeyCodec.validate("", low + high, 100), "a pair in the wrong order");
    assertNotNull(KeyCodec.validate(high, "k", 100), "in the namespace");
    assertNotNull(KeyCodec.validateNamespace("ns" + low));
    assertTrue(KeyCodec.validate("", "a" + low + "b", 100).contains("index 1"), "the message says where");
    assertEquals(4, pair.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
    assertNull(KeyCodec.validate("", pair.repeat(25), 100), "25 pairs are exactly 100 UTF-8 bytes");
    assertNotNull(KeyCodec.validate("", pair.repeat(25) + "x", 100));
  }

  @Test
  void distinctInvalidKeysCanNoLongerMapToOneObject() {
    // Encoding replaces an unpaired surrogate with '?': these three distinct strings encode alike. Validation is what
    // keeps them apart: only the plain key is ever encoded.
    String[] aliases = {"a\uD800b", "a\uDC00b", "a?b"};
    assertArrayEquals(KeyCodec.encode("", aliases[2]), KeyCodec.encode("", aliases[0]), "the aliasing being guarded");
    assertArrayEquals(KeyCodec.encode("", aliases[2]), KeyCodec.encode("", aliases[1]));
    Set<String> accepted = new HashSet<>();
    for (String key : aliases) {
      if (KeyCodec.validate("", key, 100) == null) {
        accepted.add(new String(KeyCodec.encode("", key), java.nio.charset.StandardCharsets.UTF_8));
      }
    }
    assertEquals(Set.of("\u0000a?b"), accepted, "only a?b itself is accepted");
  }

  @Test
  void shardsAreInRangeAndSpread() {
    int shards = 7;
    int[] counts = new int[shards];
    Set<Integer> hashes = new HashSet<>();
    for (int i = 0; i < 70_000; i++) {
      int h = KeyCodec.hash(KeyCodec.encode("", "page-" + i));
      hashes.add(h);
      counts[KeyCodec.shardOf(h, shards)]++;
    }
    for (int c : counts) {
      assertTrue(c > 9_000 && c < 11_000, "shard load " + c);
    }
    assertTrue(hashes.size() > 69_990, "hash collisions: " + (70_000 - hashes.size()));
  }
}
