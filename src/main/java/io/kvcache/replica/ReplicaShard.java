package io.kvcache.replica;

import io.kvcache.alloc.AllocationStrategy;
import io.kvcache.alloc.Placement;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.ReplicateConfig;
import io.kvcache.proto.v1.SoftPinAction;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The objects whose keys hash to one shard, with the reference's put/read/remove semantics (reference §1–§2): two-phase
 * put with writer check, discard-timeout preemption and delayed release of abandoned buffers, read leases, soft and
 * hard pins, groups, and lazy clean-up of replicas whose segment went away. Eviction ({@link ShardEviction}) and
 * copy/move tasks ({@link ShardReplication}) work on the same table.
 *
 * <p>Not thread-safe: one shard is driven by one thread (its ReplicaVerticle's event loop). Allocation goes straight to
 * the shared, thread-safe segment registry through this shard's own strategy instance.
 */
public final class ReplicaShard {
  private final int index;
  private final ShardShared shared;
  private final ShardSettings settings;
  private final AllocationStrategy strategy;
  private final Placement placement = new Placement();
  private final MillisClock clock;
  private final ReplicaMetrics metrics;
  private final ObjectTable objects = new ObjectTable();
  private final HashSet<ObjectEntry> processing = new HashSet<>();
  private final PriorityQueue<Parked> parked = new PriorityQueue<>((a, b) -> Long.compare(a.releaseAtMs, b.releaseAtMs));
  private final Pins pins;
  private final LeaseCounter leases;
  private final ShardEviction eviction = new ShardEviction(this);
  private final ShardReplication replication;
  private final ShardOffload offload;
  private ErrorCode lastWriteCheck = ErrorCode.OK;
  // Per-key read counters: plain fields (the shard is single-threaded under its lock), exported by function counters.
  private long memoryHits;
  private long memoryHitBytes;
  private long diskHits;
  private long diskHitBytes;
  private long misses;

  public ReplicaShard(int index, ShardShared shared, AllocationStrategy strategy) {
    this.index = index;
    this.shared = shared;
    this.settings = shared.settings();
    this.strategy = strategy;
    this.clock = shared.clock();
    this.metrics = shared.metrics();
    this.pins = new Pins(shared.livePins());
    this.leases = new LeaseCounter(settings.leaseTtlMs(), clock.nowMs());
    this.replication = new ShardReplication(this);
    this.offload = new ShardOffload(this, shared.offloadSink(), shared.offload());
  }

  public int index() {
    return index;
  }

  public ShardSettings settings() {
    return settings;
  }

  public int objectCount() {
    return objects.size();
  }

  public int processingCount() {
    return processing.size();
  }

  /** Parked (preempted, abandoned or moved-away) buffer sets waiting for their release time. */
  public int parkedCount() {
    return parked.size();
  }

  public Pins pins() {
    return pins;
  }

  public ShardReplication replication() {
    return replication;
  }

  public ShardOffload offload() {
    return offload;
  }

  /** Reads by the tier of the replica serving them, and replica-list requests for absent keys. */
  public long memoryHits() {
    return memoryHits;
  }

  public long memoryHitBytes() {
    return memoryHitBytes;
  }

  public long diskHits() {
    return diskHits;
  }

  public long diskHitBytes() {
    return diskHitBytes;
  }

  public long misses() {
    return misses;
  }

  /** Objects with a live read lease (exact to the second). */
  public long liveLeases() {
    leases.advance(clock.nowMs());
    return leases.live();
  }

  /** The entry of a key, after dropping replicas on vanished segments (null if absent or nothing valid remains). */
  public ObjectEntry find(byte[] key, int hash) {
    ObjectEntry e = objects.get(key, hash);
    return e == null ? null : dropInvalidReplicas(e);
  }

  // ------------------------------------------------------------------------------------------------------ put path

  /** Reserves PROCESSING replicas for a new value; on OK, {@link #find} returns them. */
  public ErrorCode putStart(long writer, byte[] key, int hash, long size, ReplicateConfig config) {
    int replicaNum = config.hasReplicaNum() ? config.getReplicaNum() : 1;
    if (size <= 0 || size > settings.maxValueSize() || replicaNum <= 0 || replicaNum > settings.maxReplicas()) {
      return ErrorCode.INVALID_PARAMS;
    }
    long softPinTtl = requestedSoftPinTtl(config);
    if (softPinTtl < 0) {
      return ErrorCode.INVALID_PARAMS;
    }
    long now = clock.nowMs();
    ObjectEntry existing = find(key, hash);
    if (existing != null) {
      boolean anyComplete = !existing.isProcessing() || hasCompleteReplica(existing);
      if (anyComplete || existing.pending.startMs + settings.discardTimeoutMs() >= now) {
        return ErrorCode.OBJECT_ALREADY_EXISTS;
      }
      park(existing, existing.pending.startMs + settings.releaseTimeoutMs());
      erase(existing);
    }
    int placed = strategy.allocate(shared.segments(), size, replicaNum, config.getPreferredSegmentsList(), List.of(),
        placement);
    if (placed == ErrorCode.INVALID_PARAMS_VALUE) {
      return ErrorCode.INVALID_PARAMS;
    }
    if (placed <= 0) {
      metrics.putStartAllocFailures.increment();
      if (shared.segments().size() >= replicaNum) { // the reference's condition: more segments would not help
        shared.evictionWanted().set(true);
      }
      return ErrorCode.NO_AVAILABLE_HANDLE;
    }
    if (placed < replicaNum) {
      metrics.putStartPartialAllocations.increment();
    }
    ObjectEntry e = new ObjectEntry(key, hash, size);
    for (int i = 0; i < placed; i++) {
      e.addReplica(new MemoryReplica(placement.segment(i), placement.handle(i)));
    }
    e.flags = ObjectEntry.PROCESSING | (config.getHardPin() ? ObjectEntry.HARD_PINNED : 0);
    e.pending = new ObjectEntry.PendingPut(writer, now, softPinTtl);
    if (!config.getGroupId().isEmpty()) {
      e.setGroup(shared.groups().join(config.getGroupId()));
    }
    objects.insert(e);
    processing.add(e);
    return ErrorCode.OK;
  }

  /** One memory replica of {@code size} bytes placed by this shard's strategy; null when there is no room. */
  MemoryReplica allocateOne(long size, List<String> preferredSegments) {
    int placed = strategy.allocate(shared.segments(), size, 1, preferredSegments, List.of(), placement);
    return placed >= 1 ? new MemoryReplica(placement.segment(0), placement.handle(0)) : null;
  }

  /** Soft-pin TTL a put asks for: 0 none, &gt;0 the TTL, -1 invalid (TTL with PRESERVE/DISABLE, or above the max). */
  private long requestedSoftPinTtl(ReplicateConfig config) {
    if (!config.hasSoftPin()) {
      return 0;
    }
    SoftPinAction action = config.getSoftPin().getAction();
    boolean hasTtl = config.getSoftPin().hasTtlMs();
    long ttl = config.getSoftPin().getTtlMs();
    return switch (action) {
      case ENABLE -> !hasTtl ? settings.defaultSoftPinTtlMs() : ttl > settings.maxSoftPinTtlMs() ? -1 : ttl;
      case PRESERVE, DISABLE -> hasTtl ? -1 : 0;
      default -> -1;
    };
  }

  /** Makes the written replicas readable. Idempotent once complete; only the writer may end its put. */
  public ErrorCode putEnd(long writer, byte[] key, int hash) {
    ObjectEntry e = find(key, hash);
    if (e == null) {
      return ErrorCode.OBJECT_NOT_FOUND;
    }
    if (!e.isProcessing()) {
      return e.allReplicasComplete() ? ErrorCode.OK : ErrorCode.INVALID_WRITE;
    }
    if (e.pending.writer != writer) {
      return ErrorCode.ILLEGAL_CLIENT;
    }
    long now = clock.nowMs();
    for (int i = 0; i < e.replicaCount(); i++) {
      Replica r = e.replica(i);
      if (r.status == Replica.PROCESSING && !r.isTaskTarget) {
        r.status = Replica.COMPLETE;
      }
    }
    if (e.pending.softPinTtlMs > 0) {
      e.setSoftPinDeadlineMs(now + e.pending.softPinTtlMs); // the pin starts when the value becomes readable
    }
    e.leaseDeadlineMs = Math.max(e.leaseDeadlineMs, now); // readable and immediately evictable (reference item 16)
    finishProcessing(e);
    if (offload.settings().atPutEnd()) {
      offload.enqueue(e, now);
    }
    return ErrorCode.OK;
  }

  /** Drops the PROCESSING replicas of the writer's put at once; the object goes if nothing else remains. */
  public ErrorCode putRevoke(long writer, byte[] key, int hash) {
    ObjectEntry e = find(key, hash);
    if (e == null) {
      return ErrorCode.OBJECT_NOT_FOUND;
    }
    if (!e.isProcessing()) {
      return ErrorCode.INVALID_WRITE;
    }
    if (e.pending.writer != writer) {
      return ErrorCode.ILLEGAL_CLIENT;
    }
    for (int i = e.replicaCount() - 1; i >= 0; i--) {
      Replica r = e.replica(i);
      if (r.status == Replica.PROCESSING && !r.isTaskTarget) {
        r.release(e.size);
        e.removeReplica(i);
      }
    }
    if (!e.hasValidReplica()) {
      erase(e);
    } else {
      finishProcessing(e);
    }
    return ErrorCode.OK;
  }

  /**
   * The PROCESSING replica {@code replicaId} of a key that {@code writer} may write {@code length} bytes of at
   * {@code offset}: its own put's, or a copy/move target of its task. Null if not allowed ({@link #writeCheckError}).
   */
  public MemoryReplica writableReplica(long writer, byte[] key, int hash, long replicaId, long offset, long length) {
    ObjectEntry e = find(key, hash);
    boolean putWriter = e != null && e.isProcessing() && e.pending.writer == writer;
    boolean taskWriter = e != null && replication.isTaskClient(e, writer);
    lastWriteCheck = e == null ? ErrorCode.OBJECT_NOT_FOUND
        : !e.isProcessing() && !e.hasReplicationTask() ? ErrorCode.INVALID_WRITE
        : !putWriter && !taskWriter ? ErrorCode.ILLEGAL_CLIENT
        : offset < 0 || length < 0 || offset > e.size - length ? ErrorCode.INVALID_PARAMS
        : ErrorCode.OK;
    if (lastWriteCheck != ErrorCode.OK) {
      return null;
    }
    for (int i = 0; i < e.replicaCount(); i++) {
      if (e.replica(i) instanceof MemoryReplica m && m.id() == replicaId && m.status == Replica.PROCESSING
          && (taskWriter ? m.isTaskTarget : putWriter && !m.isTaskTarget)) {
        return m;
      }
    }
    lastWriteCheck = ErrorCode.REPLICA_NOT_FOUND;
    return null;
  }

  public ErrorCode writeCheckError() {
    return lastWriteCheck;
  }

  // ----------------------------------------------------------------------------------------------------- read path

  /** Grants a read lease on a readable object: OK, OBJECT_NOT_FOUND or REPLICA_IS_NOT_READY (still being written). */
  public ErrorCode lease(byte[] key, int hash) {
    ObjectEntry e = find(key, hash);
    if (e == null) {
      misses++;
      return ErrorCode.OBJECT_NOT_FOUND;
    }
    Replica first = firstReadable(e);
    if (first == null) {
      return ErrorCode.REPLICA_IS_NOT_READY;
    }
    grantLease(e, clock.nowMs());
    if (first.isMemory()) {
      memoryHits++;
      memoryHitBytes += e.size;
    } else {
      diskHits++;
      diskHitBytes += e.size;
    }
    return ErrorCode.OK;
  }

  /** True if the key has a readable replica; a hit grants the same read lease as {@link #lease}. */
  public boolean exists(byte[] key, int hash) {
    ObjectEntry e = find(key, hash);
    if (e == null || firstReadable(e) == null) {
      return false;
    }
    grantLease(e, clock.nowMs());
    return true;
  }

  private void grantLease(ObjectEntry e, long now) {
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

  // -------------------------------------------------------------------------------------------------------- remove

  /** Removes one object: refused while leased (unless forced), while being written, or while a task holds it. */
  public ErrorCode remove(byte[] key, int hash, boolean force) {
    ObjectEntry e = find(key, hash);
    if (e == null) {
      return ErrorCode.OBJECT_NOT_FOUND;
    }
    ErrorCode refusal = removalRefusal(e, force, clock.nowMs());
    if (refusal != ErrorCode.OK) {
      return refusal;
    }
    erase(e);
    return ErrorCode.OK;
  }

  private static ErrorCode removalRefusal(ObjectEntry e, boolean force, long now) {
    if (!force && e.hasLease(now)) {
      return ErrorCode.OBJECT_HAS_LEASE;
    }
    if (e.isProcessing() || !e.allReplicasCompleteExceptTargets()) {
      return ErrorCode.REPLICA_IS_NOT_READY; // force does not bypass this (reference item 22)
    }
    if (e.hasReplicationTask()) {
      return ErrorCode.OBJECT_HAS_REPLICATION_TASK;
    }
    return ErrorCode.OK;
  }

  /** Removes every removable object whose encoded key matches {@code filter} (all when null); returns how many. */
  public long removeMatching(Predicate<byte[]> filter, boolean force) {
    long now = clock.nowMs();
    List<ObjectEntry> victims = new ArrayList<>();
    for (int i = 0; i < objects.capacity(); i++) {
      ObjectEntry e = objects.at(i);
      if (e != null && (filter == null || filter.test(e.key))) {
        victims.add(e);
      }
    }
    long removed = 0;
    for (ObjectEntry e : victims) {
      if (dropInvalidReplicas(e) != null && removalRefusal(e, force, now) == ErrorCode.OK) {
        erase(e);
        removed++;
      }
    }
    return removed;
  }

  // ------------------------------------------------------------------------------------------------------ eviction

  /** Marks the start of an eviction round (per-round limits reset). */
  public int beginEvictionRound() {
    eviction.beginRound();
    return 0;
  }

  public ShardCensus census(int limit, boolean allowSoftPinned) {
    return eviction.census(clock.nowMs(), limit, allowSoftPinned);
  }

  public ShardEviction.EvictionResult evict(int count, boolean softPinned, Set<Groups.Group> groups,
                                            boolean allowSoftPinned) {
    return eviction.evict(clock.nowMs(), count, softPinned, groups, allowSoftPinned);
  }

  /** Drops the evictable memory replicas of {@code e} (erasing it if nothing valid is left); returns bytes freed. */
  long evictMemoryReplicas(ObjectEntry e) {
    long freed = 0;
    for (int i = e.replicaCount() - 1; i >= 0; i--) {
      Replica r = e.replica(i);
      if (ShardEviction.isEvictable(r)) {
        r.release(e.size);
        e.removeReplica(i);
        freed += e.size;
      }
    }
    if (!e.hasValidReplica()) {
      erase(e);
    }
    return freed;
  }

  // ------------------------------------------------------------------------------------------------ housekeeping

  /**
   * Periodic pass: PROCESSING puts older than the release timeout are abandoned (buffers parked, due at once), expired
   * copy/move tasks are reaped, and parked buffers whose time has come are freed. Returns parked sets released.
   */
  public int sweep() {
    long now = clock.nowMs();
    List<ObjectEntry> abandoned = new ArrayList<>();
    for (ObjectEntry e : processing) {
      if (e.pending.startMs + settings.releaseTimeoutMs() <= now) {
        abandoned.add(e);
      }
    }
    for (ObjectEntry e : abandoned) {
      park(e, e.pending.startMs + settings.releaseTimeoutMs());
      if (e.hasValidReplica()) {
        finishProcessing(e);
      } else {
        erase(e);
      }
    }
    replication.reapExpired(now);
    offload.reapExpired(now);
    return releaseParked();
  }

  /** Frees parked buffers whose release time has passed; returns how many sets. */
  public int releaseParked() {
    long now = clock.nowMs();
    int released = 0;
    while (!parked.isEmpty() && parked.peek().releaseAtMs <= now) {
      Parked p = parked.poll();
      for (Replica r : p.replicas) {
        r.release(p.objectSize);
      }
      metrics.putStartReleased.increment();
      released++;
    }
    return released;
  }

  /** Erases objects none of whose replicas is valid any more (after a segment went away); returns how many. */
  public int dropObjectsWithoutValidReplica() {
    List<ObjectEntry> dead = new ArrayList<>();
    for (int i = 0; i < objects.capacity(); i++) {
      ObjectEntry e = objects.at(i);
      if (e != null && !e.hasValidReplica()) {
        dead.add(e);
      }
    }
    for (ObjectEntry e : dead) {
      erase(e);
    }
    return dead.size();
  }

  // -------------------------------------------------------------------------------------------------- internals

  ObjectTable objects() {
    return objects;
  }

  MillisClock clock() {
    return clock;
  }

  ShardShared shared() {
    return shared;
  }

  private static boolean hasCompleteReplica(ObjectEntry e) {
    for (int i = 0; i < e.replicaCount(); i++) {
      if (e.replica(i).isComplete()) {
        return true;
      }
    }
    return false;
  }

  /** Removes COMPLETE replicas whose storage vanished; erases and returns null if nothing valid remains. */
  private ObjectEntry dropInvalidReplicas(ObjectEntry e) {
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

  private void finishProcessing(ObjectEntry e) {
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

  /** Inserts a complete object that has no replica yet (the caller adds them): a disk-only object on re-registration. */
  void insertComplete(ObjectEntry e) {
    objects.insert(e);
  }

  /**
   * Removes the object: frees every replica it still holds, cancels its offloads (and has its SSD copies deleted),
   * drops its pins, lease, task and group membership.
   */
  void erase(ObjectEntry e) {
    offload.forget(e);
    for (int i = 0; i < e.replicaCount(); i++) {
      e.replica(i).release(e.size);
    }
    pins.releaseAll(e);
    replication.forget(e);
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

  private record Parked(long releaseAtMs, long objectSize, Replica[] replicas) {}
}
