package io.kvcache.gateway;

import io.netty.buffer.ByteBuf;
import io.kvcache.metadata.KeyReplicas;
import io.kvcache.metadata.ReplicaLists;
import io.kvcache.metadata.ReplicaLocation;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The SSD-only keys of one batch get, loaded a node at a time: for each node, one load of up to {@link #PER_LOAD} keys
 * into its load buffers (a single batch read on that node), started as soon as the replica lists are known; each key's
 * bytes are taken when the stream reaches it, and a node's batch is released as soon as its last key is taken.
 *
 * <p>Not thread-safe: lives on the gateway's event loop for one call.
 */
final class DiskBatches {
  static final int PER_LOAD = 128;

  private static final class Load {
    final Future<SsdReader.Loaded> loaded;
    int untaken;

    Load(Future<SsdReader.Loaded> loaded, int keys) {
      this.loaded = loaded;
      this.untaken = keys;
    }
  }

  private record Slot(Load load, int position, long size) {}

  private final ReadFlow reads;
  private final Map<Integer, Slot> slots = new HashMap<>();

  DiskBatches(ReadFlow reads, ReplicaLists lists, byte[][] keys) {
    this.reads = reads;
    Map<String, List<Integer>> byNode = new LinkedHashMap<>();
    for (int i = 0; i < lists.size(); i++) {
      KeyReplicas listed = lists.get(i);
      ReplicaLocation disk = listed.isOk() && listed.firstMemory() == null ? listed.firstDisk() : null;
      if (disk != null && keys[i] != null) {
        byNode.computeIfAbsent(disk.nodeId(), n -> new ArrayList<>()).add(i);
      }
    }
    byNode.forEach((node, indices) -> {
      for (int from = 0; from < indices.size(); from += PER_LOAD) {
        List<Integer> part = indices.subList(from, Math.min(indices.size(), from + PER_LOAD));
        List<byte[]> partKeys = new ArrayList<>(part.size());
        long[] sizes = new long[part.size()];
        for (int j = 0; j < part.size(); j++) {
          partKeys.add(keys[part.get(j)]);
          sizes[j] = lists.get(part.get(j)).size();
        }
        Load load = new Load(reads.ssd().load(node, partKeys, sizes), part.size());
        for (int j = 0; j < part.size(); j++) {
          slots.put(part.get(j), new Slot(load, j, sizes[j]));
        }
      }
    });
  }

  boolean isDisk(int index) {
    return slots.containsKey(index);
  }

  /** The bytes of SSD-only key {@code index}, lease-checked; its batch is released once all its keys are taken. */
  Future<ByteBuf> read(int index, byte[] key, long leaseStartMs, long leaseTtlMs) {
    Slot slot = slots.get(index);
    Future<ByteBuf> bytes = slot.load().loaded
        .compose(batch -> reads.ssd().bytes(batch, slot.position(), slot.size()))
        .onSuccess(b -> reads.servedFromSsd(key, b))
        .onComplete(ignored -> {
          if (--slot.load().untaken == 0) {
            slot.load().loaded.onSuccess(batch -> reads.ssd().release(batch));
          }
        });
    return reads.withinLease(bytes, leaseStartMs, leaseTtlMs);
  }
}
