package io.kvcache.replica;

import io.kvcache.alloc.LocalDisk;
import io.kvcache.alloc.Segment;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The two ends of following a master: reading every published object of a running master a slice at a time (the
 * snapshot a late-joining standby starts from), and inserting objects rebuilt from a standby's copy into the fresh
 * shards of a newly promoted master.
 *
 * <p>Stateless; each method says under which guard it runs.
 */
public final class ShardRestore {
  private ShardRestore() {}

  /**
   * Converts every published object of every shard with {@code underLock} (inside the shard's step, so it sees a
   * consistent object) and hands each slice's results to {@code afterSlice} outside the step. A walk that restarts (the
   * table was resized) hands some objects twice: a snapshot is a set of states, so that is harmless.
   */
  public static <T> void walk(ShardAccess shards, Function<ObjectEntry, T> underLock, Consumer<List<T>> afterSlice) {
    for (int shard = 0; shard < shards.count(); shard++) {
      List<T> out = new ArrayList<>();
      ShardScan.walk(shards, shard, (s, from, homes) -> s.state().objects.forEachHome(from, homes, e -> {
        if ((e.flags & ObjectEntry.PUBLISHED) != 0 && ShardState.firstReadable(e) != null) {
          out.add(underLock.apply(e));
        }
      }), () -> {
        if (!out.isEmpty()) {
          afterSlice.accept(List.copyOf(out));
          out.clear();
        }
      }, out::clear);
    }
  }

  /**
   * Inserts a COMPLETE, published object into {@code shard} (call under its guard, before the master serves): memory
   * replicas at the given allocator handles of their segments, SSD replicas on the given disks. Every restored object
   * gets a fresh read lease, because a reader may hold one the old master granted moments before it died and the new
   * master must not evict or remove (without force) what that reader is copying. False if the key is already there.
   */
  public static boolean insert(Shard shard, byte[] key, long size, boolean hardPinned, long softPinDeadlineMs,
                               String groupId, List<Segment> segments, long[] handles, List<LocalDisk> disks) {
    ShardState state = shard.state();
    int hash = KeyCodec.hash(key);
    if (state.objects.get(key, hash) != null || (segments.isEmpty() && disks.isEmpty())) {
      return false;
    }
    ObjectEntry e = new ObjectEntry(key, hash, size);
    for (int i = 0; i < segments.size(); i++) {
      MemoryReplica m = new MemoryReplica(segments.get(i), handles[i]);
      m.status = Replica.COMPLETE;
      e.addReplica(m);
    }
    for (LocalDisk disk : disks) {
      e.addReplica(new DiskReplica(disk));
      disk.addUsed(size);
    }
    e.flags = ObjectEntry.PUBLISHED | (hardPinned ? ObjectEntry.HARD_PINNED : 0);
    if (softPinDeadlineMs > 0) {
      e.setSoftPinDeadlineMs(softPinDeadlineMs);
    }
    if (groupId != null && !groupId.isEmpty()) {
      e.setGroup(state.shared.groups().join(groupId));
    }
    state.objects.insert(e);
    state.grantLease(e, state.clock.nowMs());
    return true;
  }
}
