package io.kvcache.replica;

import io.kvcache.alloc.AllocationStrategy;

/**
 * One metadata shard: the objects whose keys hash to it ({@link ShardState}) and the operations on them, one class per
 * concern. This class only builds and hands out the parts; none of them calls back into it.
 *
 * <p>Not thread-safe: a shard is used by one thread at a time (the master guards each with its own lock).
 */
public final class Shard {
  private final ShardState state;
  private final PutOps puts;
  private final ReadOps reads;
  private final RemoveOps removes;
  private final EvictionOps eviction;
  private final ReplicationOps replication;
  private final OffloadOps offload;
  private final Housekeeping housekeeping;

  public Shard(int index, ShardShared shared, AllocationStrategy strategy) {
    this.state = new ShardState(index, shared);
    ShardPlacement placement = new ShardPlacement(shared.segments(), strategy);
    this.offload = new OffloadOps(state);
    this.puts = new PutOps(state, placement, offload);
    this.reads = new ReadOps(state);
    this.removes = new RemoveOps(state);
    this.eviction = new EvictionOps(state, offload);
    this.replication = new ReplicationOps(state, placement);
    this.housekeeping = new Housekeeping(state, replication, offload);
  }

  public int index() {
    return state.index;
  }

  public ShardSettings settings() {
    return state.settings;
  }

  ShardState state() {
    return state;
  }

  public PutOps puts() {
    return puts;
  }

  public ReadOps reads() {
    return reads;
  }

  public RemoveOps removes() {
    return removes;
  }

  public EvictionOps eviction() {
    return eviction;
  }

  public ReplicationOps replication() {
    return replication;
  }

  public OffloadOps offload() {
    return offload;
  }

  public Housekeeping housekeeping() {
    return housekeeping;
  }

  public Pins pins() {
    return state.pins;
  }

  // ---------------------------------------------------------------------------------------------- gauges and counters

  public int objectCount() {
    return state.objects.size();
  }

  public int processingCount() {
    return state.processing.size();
  }

  /** Parked (preempted, abandoned or moved-away) buffer sets waiting for their release time. */
  public int parkedCount() {
    return state.parked.size();
  }

  /** Objects with a live read lease (exact to the second). */
  public long liveLeases() {
    state.leases.advance(state.clock.nowMs());
    return state.leases.live();
  }

  /** Reads by the tier of the replica serving them, and replica-list requests for absent keys. */
  public long memoryHits() {
    return state.memoryHits;
  }

  public long memoryHitBytes() {
    return state.memoryHitBytes;
  }

  public long diskHits() {
    return state.diskHits;
  }

  public long diskHitBytes() {
    return state.diskHitBytes;
  }

  public long misses() {
    return state.misses;
  }
}
