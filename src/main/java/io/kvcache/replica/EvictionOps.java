package io.kvcache.replica;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A shard's half of an eviction round, one slice at a time: the census of its candidates, the choice of its quota, and
 * the eviction of the chosen objects (re-checked, since a slice may be served long after the census saw them). Only
 * COMPLETE, valid, unpinned memory replicas of objects whose lease has expired are taken; hard-pinned objects never; an
 * object keeps its other replicas (e.g. on SSD) and is erased only if nothing valid remains.
 *
 * <p>Not thread-safe: part of one shard.
 */
public final class EvictionOps {
  private final ShardState state;
  private final OffloadOps offload;
  private int offloadsLeftThisRound;

  EvictionOps(ShardState state, OffloadOps offload) {
    this.state = state;
    this.offload = offload;
  }

  /** A new round starts: offload-on-evict may queue up to the per-round cap again. */
  public void beginRound() {
    offloadsLeftThisRound = offload.settings().capPerRound();
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

  /** What one shard offers a round, accumulated slice by slice (see {@link ShardCensus}). */
  static final class Census {
    private final boolean allowSoftPinned;
    private final int limit;
    private long base;
    private Oldest<Void> oldest;
    private Oldest<Void> oldestSoft;
    private Map<Groups.Group, Integer> groups;

    Census(int limit, boolean allowSoftPinned) {
      this.limit = limit;
      this.allowSoftPinned = allowSoftPinned;
      reset();
    }

    void reset() {
      base = 0;
      oldest = new Oldest<>(limit);
      oldestSoft = new Oldest<>(allowSoftPinned ? limit : 0);
      groups = new HashMap<>();
    }

    ShardCensus build() {
      return new ShardCensus(base, oldest.offered(), oldest.sortedKeys(), allowSoftPinned ? oldestSoft.offered() : 0,
          oldestSoft.sortedKeys(), groups);
    }
  }

  /** Adds the objects with home slots in {@code [fromHome, fromHome + homes)} to {@code census}. */
  int census(int fromHome, int homes, long now, Census census) {
    return state.objects.forEachHome(fromHome, homes, e -> {
      if (e.isHardPinned() || !hasEvictableReplica(e)) {
        return;
      }
      census.base++;
      boolean soft = e.isSoftPinned(now);
      Groups.Group group = e.group();
      if (group != null) {
        if (!group.hasLease(now) && (!soft || census.allowSoftPinned)) {
          census.groups.merge(group, 1, Integer::sum);
        }
      } else if (e.leaseDeadlineMs <= now) {
        if (!soft) {
          census.oldest.offer(e.leaseDeadlineMs, null);
        } else if (census.allowSoftPinned) {
          census.oldestSoft.offer(e.leaseDeadlineMs, null);
        }
      }
    });
  }

  /** The objects one shard will evict this phase: its oldest ungrouped candidates and the members of chosen groups. */
  static final class Choice {
    private final int count;
    private Oldest<ObjectEntry> oldest;
    private List<ObjectEntry> groupMembers;

    Choice(int count) {
      this.count = count;
      reset();
    }

    void reset() {
      oldest = new Oldest<>(count);
      groupMembers = new java.util.ArrayList<>();
    }

    List<ObjectEntry> chosen() {
      List<ObjectEntry> all = oldest.items();
      all.addAll(groupMembers);
      return all;
    }
  }

  /** Adds the eviction candidates with home slots in the range to {@code choice}. */
  int choose(int fromHome, int homes, long now, boolean softPinned, Set<Groups.Group> groups,
             boolean allowSoftPinned, Choice choice) {
    return state.objects.forEachHome(fromHome, homes, e -> {
      if (choice.count > 0 && isUngroupedCandidate(e, now, softPinned)) {
        choice.oldest.offer(e.leaseDeadlineMs, e);
      } else if (!groups.isEmpty() && isGroupCandidate(e, now, groups, allowSoftPinned)) {
        choice.groupMembers.add(e);
      }
    });
  }

  private static boolean isUngroupedCandidate(ObjectEntry e, long now, boolean softPinned) {
    return e.group() == null && !e.isHardPinned() && e.leaseDeadlineMs <= now && e.isSoftPinned(now) == softPinned
        && hasEvictableReplica(e);
  }

  private static boolean isGroupCandidate(ObjectEntry e, long now, Set<Groups.Group> groups, boolean allowSoftPinned) {
    return e.group() != null && groups.contains(e.group()) && !e.group().hasLease(now) && !e.isHardPinned()
        && (allowSoftPinned || !e.isSoftPinned(now)) && hasEvictableReplica(e);
  }

  /**
   * Evicts {@code chosen[from, to)} that still qualify now (each re-checked: it may have been read, pinned or removed
   * since it was chosen); returns {objects evicted, memory bytes freed}.
   */
  long[] evict(List<ObjectEntry> chosen, int from, int to, long now, boolean softPinned, Set<Groups.Group> groups,
               boolean allowSoftPinned) {
    long evicted = 0;
    long bytes = 0;
    OffloadSettings settings = offload.settings();
    for (int i = from; i < to; i++) {
      ObjectEntry e = chosen.get(i);
      if (!state.isCurrent(e) || !(isUngroupedCandidate(e, now, softPinned)
          || isGroupCandidate(e, now, groups, allowSoftPinned))) {
        continue;
      }
      if (settings.atEviction() && !OffloadOps.hasValidDiskReplica(e)) {
        // Offload-on-evict: keep one (pinned) memory replica until its SSD copy exists, drop the others now.
        boolean queued = offloadsLeftThisRound > 0 && offload.enqueue(e, now);
        if (queued) {
          offloadsLeftThisRound--;
        } else if (!settings.forceEvict()) {
          continue; // could not queue it this round and dropping it is not allowed: it stays in memory
        }
      }
      bytes += evictMemoryReplicas(e);
      evicted++;
    }
    return new long[] {evicted, bytes};
  }

  /** Drops the evictable memory replicas of {@code e} (erasing it if nothing valid is left); returns bytes freed. */
  private long evictMemoryReplicas(ObjectEntry e) {
    List<Replica> dropped = new java.util.ArrayList<>(1);
    for (int i = e.replicaCount() - 1; i >= 0; i--) {
      Replica r = e.replica(i);
      if (isEvictable(r)) {
        dropped.add(r);
        e.removeReplica(i);
      }
    }
    if (!e.hasValidReplica()) {
      state.erase(e);
    } else {
      state.published(e);
    }
    for (Replica r : dropped) {
      state.free(r, e.size); // after the record above: a standby must learn of the drop before the memory is reused
    }
    return (long) dropped.size() * e.size;
  }
}
