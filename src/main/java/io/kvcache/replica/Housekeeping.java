package io.kvcache.replica;

import java.util.ArrayList;
import java.util.List;

/**
 * A shard's periodic and on-demand clean-up: abandoned puts (older than the release timeout) are parked, expired
 * copy/move tasks and offload pins are reaped, parked buffers whose time has come are freed, and objects left without a
 * valid replica after a segment went away are erased (a slice at a time).
 *
 * <p>Not thread-safe: part of one shard.
 */
public final class Housekeeping {
  private final ShardState state;
  private final ReplicationOps replication;
  private final OffloadOps offload;

  Housekeeping(ShardState state, ReplicationOps replication, OffloadOps offload) {
    this.state = state;
    this.replication = replication;
    this.offload = offload;
  }

  /** The periodic pass; returns the parked buffer sets released. Its work is bounded by what is in flight. */
  public int sweep() {
    long now = state.clock.nowMs();
    List<ObjectEntry> abandoned = new ArrayList<>();
    for (ObjectEntry e : state.processing) {
      if (e.pending.startMs + state.settings.releaseTimeoutMs() <= now) {
        abandoned.add(e);
      }
    }
    for (ObjectEntry e : abandoned) {
      state.park(e, e.pending.startMs + state.settings.releaseTimeoutMs());
      if (e.hasValidReplica()) {
        state.finishProcessing(e);
      } else {
        state.erase(e);
      }
    }
    replication.reapExpired(now);
    offload.reapExpired(now);
    return releaseParked();
  }

  /** Frees parked buffers whose release time has passed; returns how many sets. */
  public int releaseParked() {
    long now = state.clock.nowMs();
    int released = 0;
    while (!state.parked.isEmpty() && state.parked.peek().releaseAtMs() <= now) {
      ShardState.Parked p = state.parked.poll();
      for (Replica r : p.replicas()) {
        state.free(r, p.objectSize()); // a moved-away source is COMPLETE: it waits until its drop is durable
      }
      state.metrics.putStartReleased.increment();
      released++;
    }
    return released;
  }

  /** Collects the objects with home slots in the range that have no valid replica left (segments went away). */
  int collectDead(int fromHome, int homes, List<ObjectEntry> out) {
    return state.objects.forEachHome(fromHome, homes, e -> {
      if (!e.hasValidReplica()) {
        out.add(e);
      }
    });
  }

  /** Erases those of {@code dead} that are still in the table and still have no valid replica. */
  int eraseDead(List<ObjectEntry> dead) {
    int erased = 0;
    for (ObjectEntry e : dead) {
      if (state.isCurrent(e) && !e.hasValidReplica()) {
        state.erase(e);
        erased++;
      }
    }
    return erased;
  }

  /** Erases, across all shards and a slice at a time, the objects none of whose replicas is valid; returns how many. */
  public static long dropObjectsWithoutValidReplica(ShardAccess shards) {
    long[] erased = {0};
    for (int shard = 0; shard < shards.count(); shard++) {
      int index = shard;
      List<ObjectEntry> dead = new ArrayList<>();
      ShardScan.walk(shards, shard, (s, from, homes) -> s.housekeeping().collectDead(from, homes, dead), () -> {
        if (!dead.isEmpty()) {
          List<ObjectEntry> batch = List.copyOf(dead);
          dead.clear();
          erased[0] += shards.call(index, s -> s.housekeeping().eraseDead(batch));
        }
      }, dead::clear);
    }
    return erased[0];
  }
}
