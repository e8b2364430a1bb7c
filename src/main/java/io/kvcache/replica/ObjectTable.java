package io.kvcache.replica;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * The objects of one shard: an open-addressing hash table (linear probing, backward-shift deletion, no tombstones) from
 * encoded key to {@link ObjectEntry}. Compared with {@code HashMap} it saves the 32-byte node per object, which matters
 * with tens of millions of small keys. Entries carry their key hash, so a probe touches a key only when hashes match.
 *
 * <p>Not thread-safe: owned by one shard, used by one thread at a time.
 */
public final class ObjectTable {
  private static final int MIN_CAPACITY = 16;

  private ObjectEntry[] slots;
  private int mask;
  private int size;
  private int resizeAt;

  public ObjectTable() {
    allocate(MIN_CAPACITY);
  }

  public int size() {
    return size;
  }

  /** The slot array length; it changes only when the table grows or shrinks (then every entry's home slot moves). */
  public int capacity() {
    return slots.length;
  }

  /**
   * Visits every entry whose home slot ({@code hash & mask}) lies in {@code [fromHome, fromHome + homes)}, once each,
   * and returns the first home slot after them ({@code -1} once the whole table is covered). A walk over all home
   * ranges in successive calls visits every entry that stayed in the table throughout exactly once, whatever was
   * inserted or removed between the calls, as long as {@link #capacity()} did not change: removal shifts entries only
   * towards their home slot, never before it. The visitor must not change the table.
   */
  public int forEachHome(int fromHome, int homes, Consumer<ObjectEntry> visitor) {
    int capacity = slots.length;
    if (fromHome < 0 || fromHome >= capacity) {
      return -1;
    }
    int toHome = (int) Math.min(capacity, (long) fromHome + homes);
    // p walks physical slots without wrapping its value; an entry is visited at the position its probe sequence puts
    // it (home + distance), so a cluster that wraps past the table's end is visited once, on its unwrapped side.
    for (long p = fromHome; p < fromHome + 2L * capacity; p++) {
      ObjectEntry e = slots[(int) (p & mask)];
      if (e == null) {
        if (p >= toHome) {
          break;
        }
        continue;
      }
      int home = e.hash & mask;
      if (home >= fromHome && home < toHome && home + ((p - home) & mask) == p) {
        visitor.accept(e);
      }
    }
    return toHome == capacity ? -1 : toHome;
  }

  public ObjectEntry get(byte[] key, int hash) {
    for (int i = hash & mask; ; i = (i + 1) & mask) {
      ObjectEntry e = slots[i];
      if (e == null) {
        return null;
      }
      if (e.hash == hash && Arrays.equals(e.key, key)) {
        return e;
      }
    }
  }

  /** Inserts an entry whose key is not present. */
  public void insert(ObjectEntry entry) {
    if (size + 1 > resizeAt) {
      rehash(slots.length * 2);
    }
    place(slots, mask, entry);
    size++;
  }

  /** Removes {@code entry} (by identity); returns false if it is not in the table. */
  public boolean remove(ObjectEntry entry) {
    int i = entry.hash & mask;
    while (slots[i] != entry) {
      if (slots[i] == null) {
        return false;
      }
      i = (i + 1) & mask;
    }
    // Backward-shift: pull later members of the probe run into the hole so lookups never stop early.
    int hole = i;
    for (int j = (hole + 1) & mask; slots[j] != null; j = (j + 1) & mask) {
      int home = slots[j].hash & mask;
      boolean homeOutsideGap = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
      if (homeOutsideGap) {
        slots[hole] = slots[j];
        hole = j;
      }
    }
    slots[hole] = null;
    size--;
    if (slots.length > MIN_CAPACITY && size < slots.length / 8) {
      rehash(slots.length / 2);
    }
    return true;
  }

  private static void place(ObjectEntry[] table, int mask, ObjectEntry entry) {
    int i = entry.hash & mask;
    while (table[i] != null) {
      i = (i + 1) & mask;
    }
    table[i] = entry;
  }

  private void rehash(int capacity) {
    ObjectEntry[] old = slots;
    allocate(capacity);
    for (ObjectEntry e : old) {
      if (e != null) {
        place(slots, mask, e);
      }
    }
  }

  private void allocate(int capacity) {
    slots = new ObjectEntry[capacity];
    mask = capacity - 1;
    resizeAt = (int) (capacity * 0.75);
  }
}
