package io.kvcache.replica;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * The state of one metadata shard and the primitive steps every operation is built from: the object table, the puts in
 * flight, the parked buffers, pins, leases, replication tasks and read counters; looking an object up (dropping replicas
 * whose storage went away), erasing it (and everything that hangs off it), parking buffers, granting leases.
 *
 * <p>The operation classes ({@link PutOps}, {@link ReadOps}, {@link RemoveOps}, {@link EvictionOps},
 * {@link ReplicationOps}, {@link OffloadOps}, {@link Housekeeping}) each receive this state and never call back into
 * the {@link Shard} that groups them.
 *
 * <p>Not thread-safe: a shard is used by one thread at a time (the master's per-shard lock).
 */
public final class ShardState {
  final int index;
  final ShardShared shared;
  final ShardSettings settings;
  final MillisClock clock;
  final ReplicaMetrics metrics;
  final ObjectTable objects = new ObjectTable();
  final HashSet<ObjectEntry> processing = new HashSet<>();
  final PriorityQueue<Parked> parked = new PriorityQueue<>((a, b) -> Long.compare(a.releaseAtMs, b.releaseAtMs));
  final Pins pins;
  final LeaseCounter leases;
  /** The copy, move or promotion task holding an object (at most one each). */
  final Map<ObjectEntry, ReplicationTask> tasks = new HashMap<>();
  // Per-key read counters: plain fields (one thread at a time), exported by function counters.
  long memoryHits;
  long memoryHitBytes;
  long diskHits;
  long diskHitBytes;
  long misses;

  ShardState(int index, ShardShared shared) {
    this.index = index;
    this.shared = shared;
    this.settings = shared.settings();
    this.clock = shared.clock();
    this.metrics = shared.metrics();
    this.pins = new Pins(shared.livePins());
    this.leases = new LeaseCounter(settings.leaseTtlMs(), clock.nowMs());
  }

  /** The entry of a key, after dropping replicas on vanished storage (null if absent or nothing valid remains). */
  ObjectEntry find(byte[] key, int hash) {
    ObjectEntry e = objects.get(key, hash);
    return e == null ? null : dropInvalidReplicas(e);
  }

  /** True if {@code e} is still the table's entry for its key (a scan's candidate may have gone since). */
  boolean isCurrent(ObjectEntry e) {
    return objects.get(e.key, e.hash) == e;
  }

  /** Removes COMPLETE replicas whose storage vanished; erases and returns null if nothing valid remains. */
  ObjectEntry dropInvalidReplicas(ObjectEntry e) {
    for (int i = e.replicaCount() - 1; i >= 0; i--) {
      Replica r = e.replica(i);
      if (r.isComplete() && !r.isValid() && r.pins == 0) {
        e.removeReplica(i);
      }
    }
    if (!e.hasValidReplica()) {
      erase(e);
      return null;
    }
    return e;
  }

  /**
   * Reports the readable state of {@code e} after a change (a put ended, a replica came or went): a published object
   * with nothing readable left is reported erased. Call before freeing anything the change dropped.
   */
  void published(ObjectEntry e) {
    if (firstReadable(e) != null) {
      e.flags |= ObjectEntry.PUBLISHED;
      shared.journal().objectChanged(e);
    } else if ((e.flags & ObjectEntry.PUBLISHED) != 0) {
      e.flags &= ~ObjectEntry.PUBLISHED;
      shared.journal().objectErased(e.key);
    }
  }

  /**
   * Gives a replica's storage back. A COMPLETE memory replica may be known to a standby, so its memory waits until the
   * record that dropped it is durable; anything else (a put's or task's PROCESSING replica, an SSD replica) goes now.
   */
  void free(Replica r, long objectSize) {
    if (r.isMemory() && r.isComplete()) {
      shared.journal().deferFree(() -> r.release(objectSize));
    } else {
      r.release(objectSize);
    }
  }

  void grantLease(ObjectEntry e, long now) {
    long deadline = now + settings.leaseTtlMs();
    if (deadline > e.leaseDeadlineMs) {
      leases.granted(e.leaseDeadlineMs, deadline, now);
      e.leaseDeadlineMs = deadline;
    }
    if (e.group() != null) {
      e.group().extendLease(deadline);
    }
  }

  static Replica firstReadable(ObjectEntry e) {
    for (int i = 0; i < e.replicaCount(); i++) {
      if (e.replica(i).isReadable()) {
        return e.replica(i);
      }
    }
    return null;
  }

  void finishProcessing(ObjectEntry e) {
    e.flags &= ~ObjectEntry.PROCESSING;
    e.pending = null;
    processing.remove(e);
  }

  /** Detaches the PROCESSING replicas of {@code e} that belong to its put and parks them until {@code releaseAtMs}. */
  void park(ObjectEntry e, long releaseAtMs) {
    List<Replica> staged = new ArrayList<>();
    for (int i = e.replicaCount() - 1; i >= 0; i--) {
      Replica r = e.replica(i);
      if (r.status == Replica.PROCESSING && !r.isTaskTarget) {
        staged.add(r);
        e.removeReplica(i);
      }
    }
    parkReplicas(staged, e.size, releaseAtMs);
  }

  /** Parks replicas already detached from their object; their memory is freed at {@code releaseAtMs}. */
  void parkReplicas(List<Replica> replicas, long objectSize, long releaseAtMs) {
    if (!replicas.isEmpty()) {
      parked.add(new Parked(releaseAtMs, objectSize, replicas.toArray(new Replica[0])));
      metrics.putStartDiscarded.increment();
      metrics.discardedStagingBytes.increment((double) objectSize * replicas.size());
    }
  }

  /**
   * Removes the object: frees every replica it still holds, cancels its offloads and has its SSD copies deleted, drops
   * its pins, lease, task and group membership.
   */
  void erase(ObjectEntry e) {
    if ((e.flags & ObjectEntry.PUBLISHED) != 0) {
      e.flags &= ~ObjectEntry.PUBLISHED;
      shared.journal().objectErased(e.key); // recorded before its memory is handed to free()
    }
    OffloadSink sink = shared.offloadSink();
    for (Pins.Pin pin : pins.of(e)) {
      if (pin.owner() == PinOwner.OFFLOAD) {
        sink.cancel(pin.ownerId());
      }
    }
    for (int i = 0; i < e.replicaCount(); i++) {
      if (e.replica(i) instanceof DiskReplica d) {
        sink.deleteOnNode(d.disk.nodeId(), e.key);
      }
      free(e.replica(i), e.size);
    }
    pins.releaseAll(e);
    if (tasks.remove(e) != null) {
      e.flags &= ~ObjectEntry.REPLICATION_TASK;
    }
    leases.dropped(e.leaseDeadlineMs, clock.nowMs());
    if (e.group() != null) {
      shared.groups().leave(e.group());
      e.setGroup(null);
    }
    objects.remove(e);
    if (e.isProcessing()) {
      processing.remove(e);
    }
  }

  /** Removes replica {@code r} from {@code e} (by identity); false if it is not there. */
  static boolean removeReplica(ObjectEntry e, Replica r) {
    for (int i = 0; i < e.replicaCount(); i++) {
      if (e.replica(i) == r) {
        e.removeReplica(i);
        return true;
      }
    }
    return false;
  }

  /** Buffers of a preempted, abandoned or moved-away put, freed at {@code releaseAtMs}. */
  record Parked(long releaseAtMs, long objectSize, Replica[] replicas) {}
}
