package io.kvcache.replica;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class ObjectTableTest {

  private static ObjectEntry entry(String key) {
    byte[] k = KeyCodec.encode("", key);
    return new ObjectEntry(k, KeyCodec.hash(k), 1);
  }

  @Test
  void insertGetRemoveAgainstAModelUnderRandomChurn() {
    ObjectTable table = new ObjectTable();
    Map<String, ObjectEntry> model = new HashMap<>();
    SplittableRandom random = new SplittableRandom(42);
    for (int step = 0; step < 200_000; step++) {
      String key = "k" + random.nextInt(5_000);
      byte[] encoded = KeyCodec.encode("", key);
      ObjectEntry found = table.get(encoded, KeyCodec.hash(encoded));
      assertSame(model.get(key), found, key);
      if (found == null) {
        ObjectEntry e = entry(key);
        table.insert(e);
        model.put(key, e);
      } else if (random.nextBoolean()) {
        assertTrue(table.remove(found));
        model.remove(key);
      }
      assertEquals(model.size(), table.size());
    }
    for (Map.Entry<String, ObjectEntry> e : model.entrySet()) {
      byte[] k = KeyCodec.encode("", e.getKey());
      assertSame(e.getValue(), table.get(k, KeyCodec.hash(k)));
    }
  }

  @Test
  void removingAnAbsentEntryChangesNothing() {
    ObjectTable table = new ObjectTable();
    ObjectEntry a = entry("a");
    table.insert(a);
    assertFalse(table.remove(entry("a")), "a different entry object with the same key is not in the table");
    assertEquals(1, table.size());
  }

  @Test
  void walkingSlotsSeesEveryEntryOnceAndTableShrinksBack() {
    ObjectTable table = new ObjectTable();
    List<ObjectEntry> all = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      ObjectEntry e = entry("x" + i);
      table.insert(e);
      all.add(e);
    }
    int[] seen = {0};
    for (int home = 0; home >= 0; ) {
      home = table.forEachHome(home, 1000, e -> seen[0]++);
    }
    assertEquals(10_000, seen[0]);
    int grown = table.capacity();
    for (ObjectEntry e : all) {
      assertTrue(table.remove(e));
    }
    assertEquals(0, table.size());
    assertTrue(table.capacity() < grown, "shrinks when mostly empty");
  }

  @Test
  void aSlicedWalkVisitsEveryEntryThatStayedExactlyOnceWhateverChangesBetweenSlices() {
    ObjectTable table = new ObjectTable();
    List<ObjectEntry> stay = new ArrayList<>();
    List<ObjectEntry> go = new ArrayList<>();
    for (int i = 0; i < 6_000; i++) {
      ObjectEntry e = entry("k" + i);
      table.insert(e);
      (i % 3 == 0 ? go : stay).add(e);
    }
    int capacity = table.capacity();
    java.util.IdentityHashMap<ObjectEntry, Integer> visits = new java.util.IdentityHashMap<>();
    int removed = 0;
    int added = 0;
    for (int home = 0; home >= 0; ) {
      home = table.forEachHome(home, 97, e -> visits.merge(e, 1, Integer::sum));
      // Between slices: removals shift entries back towards their home slots, inserts fill holes (no resize).
      for (int j = 0; j < 20 && removed < go.size(); j++) {
        assertTrue(table.remove(go.get(removed++)));
      }
      if (added < 400) {
        table.insert(entry("new" + added++));
      }
      assertEquals(capacity, table.capacity(), "the test keeps the table's size class");
    }
    for (ObjectEntry e : stay) {
      assertEquals(1, visits.getOrDefault(e, 0), "every entry that stayed is visited exactly once");
    }
    assertTrue(visits.values().stream().allMatch(n -> n == 1), "no entry is visited twice");
  }
}
