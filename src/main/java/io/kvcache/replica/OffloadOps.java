package io.kvcache.replica;

import io.kvcache.alloc.LocalDisk;
import io.kvcache.proto.v1.ErrorCode;

import java.util.List;

/**
 * A shard's half of SSD offload: queues an object for the node holding its memory replica and pins that replica until
 * the write is done (eviction must not free bytes an offload is still reading), turns an authorised completion into a
 * LOCAL_DISK replica, and drops the pin on NACK or on expiry (the release timeout). Also adds the disk replicas a
 * restarted node re-registers (creating disk-only objects) and removes the ones a node evicted from its SSD. (Erasing an
 * object cancels its offloads: {@link ShardState#erase}.)
 *
 * <p>Not thread-safe: part of one shard.
 */
public final class OffloadOps {
  private final ShardState state;
  private final OffloadSettings settings;
  private long queued;
  private long refused;

  OffloadOps(ShardState state) {
    this.state = state;
    this.settings = state.shared.offload();
  }

  public OffloadSettings settings() {
    return settings;
  }

  /** Objects this shard queued for offload, and pushes the queue refused (full, node without SSD, duplicate). */
  public long queued() {
    return queued;
  }

  public long refused() {
    return refused;
  }

  /**
   * Queues {@code e} for the SSD of the node holding its first readable memory replica and pins that replica; false
   * (nothing pinned) if the object already has a disk replica there or the queue refuses.
   */
  boolean enqueue(ObjectEntry e, long now) {
    MemoryReplica source = null;
    for (int i = 0; i < e.replicaCount() && source == null; i++) {
      if (e.replica(i) instanceof MemoryReplica m && m.isReadable()) {
        source = m;
      }
    }
    if (source == null || hasDiskReplicaOn(e, source.segment().nodeId())) {
      return false;
    }
    long offset = source.offset();
    if (offset < 0) {
      return false;
    }
    OffloadSink sink = state.shared.offloadSink();
    long taskId = sink.newTaskId();
    long pinId = state.pins.pin(PinOwner.OFFLOAD, taskId, e, source, now + state.settings.releaseTimeoutMs());
    ErrorCode pushed = sink.push(source.segment().nodeId(), taskId, e.key, state.index, offset, e.size, pinId);
    if (pushed != ErrorCode.OK) {
      state.pins.release(pinId);
      refused++;
      return false;
    }
    queued++;
    return true;
  }

  /** After an authorised completion: a disk replica on {@code disk} if it succeeded, and the pin is dropped. */
  public ErrorCode complete(byte[] key, int hash, long pinId, LocalDisk disk, boolean succeeded) {
    Pins.Pin pin = state.pins.get(pinId);
    if (pin == null || pin.owner() != PinOwner.OFFLOAD) {
      return ErrorCode.TASK_NOT_FOUND; // expired or its object went away: nothing to change
    }
    state.pins.release(pinId);
    ObjectEntry e = state.find(key, hash);
    if (e == null || e != pin.object()) {
      return ErrorCode.OBJECT_NOT_FOUND;
    }
    if (succeeded && disk != null && disk.isRegistered() && !hasDiskReplicaOn(e, disk.nodeId())) {
      e.addReplica(new DiskReplica(disk));
      disk.addUsed(e.size);
      state.published(e);
    }
    return ErrorCode.OK;
  }

  /** A restarted node's object: add its disk replica, creating a disk-only object if the key is unknown. */
  public ErrorCode register(byte[] key, int hash, long size, LocalDisk disk) {
    ObjectEntry e = state.find(key, hash);
    if (e == null) {
      if (size <= 0 || size > state.settings.maxValueSize()) {
        return ErrorCode.INVALID_PARAMS;
      }
      e = new ObjectEntry(key, hash, size);
      state.objects.insert(e);
    } else if (e.size != size) {
      return ErrorCode.INVALID_PARAMS; // another object now owns the key: the stale bytes on SSD are not it
    }
    if (!hasDiskReplicaOn(e, disk.nodeId())) {
      e.addReplica(new DiskReplica(disk));
      disk.addUsed(size);
      state.published(e);
    }
    return ErrorCode.OK;
  }

  /** The node evicted these keys from its SSD: drop their disk replicas there (objects left with nothing go). */
  public int dropDiskReplicas(String node, List<byte[]> keys) {
    int dropped = 0;
    for (byte[] key : keys) {
      ObjectEntry e = state.find(key, KeyCodec.hash(key));
      if (e == null) {
        continue;
      }
      int before = dropped;
      for (int i = e.replicaCount() - 1; i >= 0; i--) {
        if (e.replica(i) instanceof DiskReplica d && d.disk.nodeId().equals(node)) {
          e.removeReplica(i);
          d.disk.addUsed(-e.size);
          dropped++;
        }
      }
      if (!e.hasValidReplica()) {
        state.erase(e);
      } else if (dropped > before) {
        state.published(e);
      }
    }
    return dropped;
  }

  /** Pins whose offload ran out of time: released, and the task cancelled so a late completion is refused. */
  void reapExpired(long now) {
    for (Pins.Pin pin : state.pins.expired(now)) {
      if (pin.owner() == PinOwner.OFFLOAD) {
        state.pins.release(pin.id());
        state.shared.offloadSink().cancel(pin.ownerId());
      }
    }
  }

  static boolean hasDiskReplicaOn(ObjectEntry e, String node) {
    for (int i = 0; i < e.replicaCount(); i++) {
      if (e.replica(i) instanceof DiskReplica d && d.isValid() && d.disk.nodeId().equals(node)) {
        return true;
      }
    }
    return false;
  }

  static boolean hasValidDiskReplica(ObjectEntry e) {
    for (int i = 0; i < e.replicaCount(); i++) {
      if (e.replica(i) instanceof DiskReplica d && d.isValid()) {
        return true;
      }
    }
    return false;
  }
}
