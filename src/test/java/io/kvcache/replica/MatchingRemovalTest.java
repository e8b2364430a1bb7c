package io.kvcache.replica;

import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.ReplicateConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Bulk removal across shards: RemoveAll per namespace, and RemoveByRegex with its budget (all or nothing). */
class MatchingRemovalTest {
  private static final long MIB = 1 << 20;

  private static void put(Shards s, String namespace, String key) {
    byte[] k = KeyCodec.encode(namespace, key);
    int h = KeyCodec.hash(k);
    Shard shard = s.all.get(KeyCodec.shardOf(h, s.all.size()));
    assertEquals(ErrorCode.OK, shard.puts().putStart(Shards.WRITER, k, h, 100, ReplicateConfig.getDefaultInstance())
        .code());
    assertEquals(ErrorCode.OK, shard.puts().putEnd(Shards.WRITER, k, h));
  }

  private static boolean present(Shards s, String namespace, String key) {
    byte[] k = KeyCodec.encode(namespace, key);
    int h = KeyCodec.hash(k);
    return s.all.get(KeyCodec.shardOf(h, s.all.size())).reads().find(k, h) != null;
  }

  private static Shards twoNamespaces(int perNamespace) {
    Shards s = new Shards(4, 64 * MIB);
    for (int i = 0; i < perNamespace; i++) {
      put(s, "a", "page-" + i);
      put(s, "b", "page-" + i);
    }
    return s;
  }

  @Test
  void removeAllOfANamespaceLeavesTheOthers() {
    Shards s = twoNamespaces(100);
    put(s, "", "default-key");
    byte[] prefix = KeyCodec.namespacePrefix("a");
    assertEquals(100, MatchingRemoval.run(s, key -> KeyCodec.inNamespace(key, prefix), false));
    assertEquals(101, s.objects());
    assertTrue(present(s, "b", "page-7"));
    assertTrue(present(s, "", "default-key"));
    assertEquals(101, MatchingRemoval.run(s, key -> true, false), "every namespace");
    assertEquals(0, s.objects());
  }

  @Test
  void removeByRegexRemovesTheNamespacesMatchesOnly() {
    Shards s = twoNamespaces(100);
    BulkRemoval removed = MatchingRemoval.removeByRegex(s, "a", "^page-1[0-9]$", false, 10_000, s.clock);
    assertEquals(BulkRemoval.removed(10), removed);
    assertFalse(present(s, "a", "page-13"));
    assertTrue(present(s, "a", "page-1"));
    assertTrue(present(s, "b", "page-13"), "other namespaces are untouched");
    assertEquals(190, s.objects());
  }

  @Test
  void invalidPatternsAndNamespacesAreRefusedWithAReasonAndRemoveNothing() {
    Shards s = twoNamespaces(10);
    BulkRemoval backref = MatchingRemoval.removeByRegex(s, "a", "(page)\\1", true, 10_000, s.clock);
    assertEquals(ErrorCode.INVALID_PARAMS, backref.code());
    assertTrue(backref.message().contains("backreferences"), backref.message());
    BulkRemoval bomb = MatchingRemoval.removeByRegex(s, "a", "((a{1000}){1000}){1000}", true, 10_000, s.clock);
    assertEquals(ErrorCode.INVALID_PARAMS, bomb.code());
    assertTrue(bomb.message().startsWith("regex too large"), bomb.message());
    BulkRemoval badNamespace = MatchingRemoval.removeByRegex(s, "a\uD800", "page", true, 10_000, s.clock);
    assertEquals(ErrorCode.INVALID_PARAMS, badNamespace.code());
    assertTrue(badNamespace.message().contains("surrogate"), badNamespace.message());
    assertEquals(20, s.objects());
  }

  @Test
  void aScanPastItsBudgetIsRefusedAndRemovesNothing() {
    Shards s = twoNamespaces(50);
    byte[] prefix = KeyCodec.namespacePrefix("a");
    // Each match costs 10 ms of the manual clock: 50 keys need 500 ms.
    BulkRemoval over = MatchingRemoval.run(s, key -> KeyCodec.inNamespace(key, prefix), key -> {
      s.clock.advance(10);
      return true;
    }, true, 200, s.clock);
    assertEquals(ErrorCode.BUDGET_EXCEEDED, over.code());
    assertEquals(0, over.removed());
    assertTrue(over.message().contains("200 ms") && over.message().contains("nothing was removed"), over.message());
    assertEquals(100, s.objects(), "not one key removed, though 20 had matched before the budget ran out");

    BulkRemoval within = MatchingRemoval.run(s, key -> KeyCodec.inNamespace(key, prefix), key -> {
      s.clock.advance(10);
      return true;
    }, true, 600, s.clock);
    assertEquals(BulkRemoval.removed(50), within);
    assertEquals(50, s.objects());
  }

  @Test
  void matchesBeyondOneRemovalStepAreAllRemovedAndEachIsReChecked() {
    Shards s = new Shards(1, 64 * MIB);
    int count = MatchingRemoval.REMOVE_STEP * 2 + 17;
    for (int i = 0; i < count; i++) {
      put(s, "", "k" + i);
    }
    byte[] leased = KeyCodec.encode("", "k5");
    assertEquals(ErrorCode.OK, s.all.get(0).reads().lease(leased, KeyCodec.hash(leased)).code());
    assertEquals(BulkRemoval.removed(count - 1), MatchingRemoval.removeByRegex(s, "", "^k", false, 10_000, s.clock));
    assertTrue(present(s, "", "k5"), "a leased object stays unless forced");
  }
}
