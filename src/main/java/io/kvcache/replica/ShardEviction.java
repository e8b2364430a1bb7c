package io.kvcache.replica;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The shard's half of an eviction round: the census of its candidates and the eviction of its quota. Only COMPLETE,
 * valid, unpinned memory replicas of objects whose lease has expired are taken; hard-pinned objects never; an object
 * keeps its other replicas (e.g. on SSD) and is erased only if nothing valid remains.
 *
 * <p>Not thread-safe: runs on the shard's thread, over the shard's table.
 */
final class ShardEviction {
  private final ReplicaShard shard;
  private int offloadsLeftThisRound;

  ShardEviction(ReplicaShard shard) {
    this.shard = shard;
  }

  /** A new round starts: offload-on-evict may queue up to the per-round cap again. */
  void beginRound() {
    offloadsLeftThisRound = shard.offload().settings().capPerRound();
  }

  static boolean isEvictable(Replica r) {
    return r.isMemory() && r.isComplete() && r.isValid() && r.pins == 0;
  }

  static boolean hasEvictableReplica(ObjectEntry e) {
    for (int i = 0; i < e.replicaCount(); i++) {
      if (isEvictable(e.replica(i))) {
        return true;
      }
    }
    return false;
  }

  ShardCensus census(long now, int limit, boolean allowSoftPinned) {
    ObjectTable objects = shard.objects();
    Oldest<Void> oldest = new Oldest<>(limit);
    Oldest<Void> oldestSoft = new Oldest<>(allowSoftPinned ? limit : 0);
    Map<Groups.Group, Integer> groups = new HashMap<>();
    long base = 0;
    for (int i = 0; i < objects.capacity(); i++) {
      ObjectEntry e = objects.at(i);
      if (e == null || e.isHardPinned() || !hasEvictableReplica(e)) {
        continue;
      }
      base++;
      boolean soft = e.isSoftPinned(now);
      Groups.Group group = e.group();
      if (group != null) {
        if (!group.hasLease(now) && (!soft || allowSoftPinned)) {
          groups.merge(group, 1, Integer::sum);
        }
      } else if (e.leaseDeadlineMs <= now) {
        if (!soft) {
          oldest.offer(e.leaseDeadlineMs, null);
        } else if (allowSoftPinned) {
          oldestSoft.offer(e.leaseDeadlineMs, null);
        }
      }
    }
    return new ShardCensus(base, oldest.offered(), oldest.sortedKeys(), allowSoftPinned ? oldestSoft.offered() : 0,
        oldestSoft.sortedKeys(), groups);
  }

  /**
   * Evicts the {@code count} oldest ungrouped candidates (soft-pinned ones when {@code softPinned}), re-checked now,
   * and every evictable member of {@code groups} whose group lease has still not been renewed.
   */
  EvictionResult evict(long now, int count, boolean softPinned, Set<Groups.Group> groups, boolean allowSoftPinned) {
    ObjectTable objects = shard.objects();
    List<ObjectEntry> chosen = new ArrayList<>();
    if (count > 0) {
      Oldest<ObjectEntry> oldest = new Oldest<>(count);
      for (int i = 0; i < objects.capacity(); i++) {
        ObjectEntry e = objects.at(i);
        if (e != null && e.group() == null && !e.isHardPinned() && e.leaseDeadlineMs <= now
            && e.isSoftPinned(now) == softPinned && hasEvictableReplica(e)) {
          oldest.offer(e.leaseDeadlineMs, e);
        }
      }
      chosen.addAll(oldest.items());
    }
    if (!groups.isEmpty()) {
      for (int i = 0; i < objects.capacity(); i++) {
        ObjectEntry e = objects.at(i);
        if (e != null && e.group() != null && groups.contains(e.group()) && !e.group().hasLease(now) && !e.isHardPinned()
            && (allowSoftPinned || !e.isSoftPinned(now)) && hasEvictableReplica(e)) {
          chosen.add(e);
        }
      }
    }
    long evicted = 0;
    long bytes = 0;
    OffloadSettings offload = shard.offload().settings();
    for (ObjectEntry e : chosen) {
      if (offload.atEviction() && !ShardOffload.hasValidDiskReplica(e)) {
        // Offload-on-evict: keep one (pinned) memory replica until its SSD copy exists, drop the others now.
        boolean queued = offloadsLeftThisRound > 0 && shard.offload().enqueue(e, now);
        if (queued) {
          offloadsLeftThisRound--;
        } else if (!offload.forceEvict()) {
          continue; // could not queue it this round and dropping it is not allowed: it stays in memory
        }
      }
      bytes += shard.evictMemoryReplicas(e);
      evicted++;
    }
    return new EvictionResult(evicted, bytes);
  }

  /** Objects evicted and memory bytes freed (requested sizes). */
  record EvictionResult(long objects, long bytes) {}
}
