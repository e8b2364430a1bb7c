package io.kvcache.replica;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Keeps the {@code limit} offered items with the smallest keys (a bounded max-heap over a primitive key array), so a
 * shard can pick its oldest eviction candidates without sorting or boxing millions of lease deadlines. Counts every
 * offer, kept or not.
 *
 * <p>Not thread-safe.
 */
final class Oldest<T> {
  private final long[] keys;
  private final Object[] items;
  private int size;
  private long offered;

  Oldest(int limit) {
    keys = new long[Math.max(0, limit)];
    items = new Object[keys.length];
  }

  void offer(long key, T item) {
    offered++;
    if (size < keys.length) {
      keys[size] = key;
      items[size] = item;
      int i = size++;
      while (i > 0 && keys[(i - 1) >>> 1] < keys[i]) {
        swap(i, (i - 1) >>> 1);
        i = (i - 1) >>> 1;
      }
    } else if (keys.length > 0 && key < keys[0]) {
      keys[0] = key;
      items[0] = item;
      siftDown();
    }
  }

  long offered() {
    return offered;
  }

  /** The kept keys, ascending. */
  long[] sortedKeys() {
    long[] out = Arrays.copyOf(keys, size);
    Arrays.sort(out);
    return out;
  }

  /** The kept items, oldest (smallest key) first. */
  @SuppressWarnings("unchecked")
  List<T> items() {
    Integer[] order = new Integer[size];
    for (int i = 0; i < size; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Long.compare(keys[a], keys[b]));
    List<T> out = new ArrayList<>(size);
    for (int i : order) {
      out.add((T) items[i]);
    }
    return out;
  }

  private void siftDown() {
    int i = 0;
    while (true) {
      int left = 2 * i + 1;
      int largest = i;
      if (left < size && keys[left] > keys[largest]) {
        largest = left;
      }
      if (left + 1 < size && keys[left + 1] > keys[largest]) {
        largest = left + 1;
      }
      if (largest == i) {
        return;
      }
      swap(i, largest);
      i = largest;
    }
  }

  private void swap(int a, int b) {
    long k = keys[a];
    keys[a] = keys[b];
    keys[b] = k;
    Object o = items[a];
    items[a] = items[b];
    items[b] = o;
  }
}
