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
