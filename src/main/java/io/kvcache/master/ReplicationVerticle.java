package io.kvcache.master;

import com.google.protobuf.UnsafeByteOperations;
import io.kvcache.alloc.LocalDisk;
import io.kvcache.alloc.LocalDiskRegistry;
import io.kvcache.alloc.NodeLiveness;
import io.kvcache.alloc.Segment;
import io.kvcache.alloc.SegmentRegistry;
import io.kvcache.bus.Addresses;
import io.kvcache.bus.Fencing;
import io.kvcache.cluster.ClusterMembership;
import io.kvcache.ha.Journal;
import io.kvcache.ha.OpRecord;
import io.kvcache.ha.OpRecordCodec;
import io.kvcache.proto.bus.OpLogAck;
import io.kvcache.proto.bus.OpLogBatch;
import io.kvcache.proto.bus.SyncAccepted;
import io.kvcache.proto.bus.SyncRequest;
import io.kvcache.replica.ShardRestore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The active master's side of the hot standby. A standby asks on {@link Addresses#replication}; the master starts
 * recording its op log (if it was not already), sends a snapshot of its state (registry, sessions, SSDs, then every
 * published object, a shard slice at a time, from a worker thread, each chunk acknowledged before the next), and then
 * streams the log from where the snapshot began: batches of up to {@value #BATCH_RECORDS} records with their
 * sequence numbers, at most {@value #WINDOW} unacknowledged batches per standby (the event bus has no backpressure of
 * its own), acknowledgements cumulative, a gap answered by resending from the standby's position, a keep-alive when
 * there is nothing to send.
 *
 * <p>Durability: once a standby has caught up with the log it <em>gates</em> the master's frees (see
 * {@link Journal}), and the master then records it in the lease as synced — promotable with its copy. A standby that
 * leaves, stops acknowledging or falls too far behind is dropped: first removed from the lease's synced set, and only
 * once that is stored does it stop gating (so memory a promotable standby may point at is never reused). It may ask
 * again and starts over with a snapshot.
 *
 * <p>Event-loop confined, except the snapshot walk on a worker (which touches only its follower's sent chunks).
 */
final class ReplicationVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(ReplicationVerticle.class.getName());
  static final int BATCH_RECORDS = 1024;
  static final int WINDOW = 8;
  private static final long PUMP_MS = 5;
  private static final long MAX_LAG_RECORDS = 2_000_000;

  private final MasterFence fence;
  private final Journal journal;
  private final MasterShards shards;
  private final SegmentRegistry segments;
  private final NodeLiveness liveness;
  private final LocalDiskRegistry disks;
  private final ClusterMembership membership;
  private final SyncedStandbys synced;
  private final HaMetrics ha;
  private final long leaseMs;
  private final Map<String, Follower> followers = new HashMap<>();
  private final List<Follower> retiring = new ArrayList<>(); // dropped, still gating until the lease forgets them
  private Set<String> syncedInLease = Set.of();
  private boolean settingSynced;
  private long pumpTimer = -1;
  private Runnable stopListening = () -> { };

  /** One standby being fed. */
  private static final class Follower {
    final String node;
    final long startSeq;            // the stream starts after this (the snapshot began here)
    boolean streaming;              // snapshot done
    boolean gating;                 // its acknowledgements gate frees
    boolean dropped;
    long acked;
    long nextSeq;
    int inFlight;
    long lastAckNanos = System.nanoTime();
    long lastSendNanos;
    final ArrayDeque<long[]> sent = new ArrayDeque<>(); // {last seq of a batch, send time}

    Follower(String node, long startSeq) {
      this.node = node;
      this.startSeq = startSeq;
      this.acked = startSeq;
      this.nextSeq = startSeq + 1;
    }
  }

  ReplicationVerticle(MasterFence fence, Journal journal, MasterShards shards, SegmentRegistry segments,
                      NodeLiveness liveness, LocalDiskRegistry disks, ClusterMembership membership,
                      SyncedStandbys synced, HaMetrics ha, long leaseMs) {
    this.fence = fence;
    this.journal = journal;
    this.shards = shards;
    this.segments = segments;
    this.liveness = liveness;
    this.disks = disks;
    this.membership = membership;
    this.synced = synced;
    this.ha = ha;
    this.leaseMs = leaseMs;
  }

  @Override
  public Future<?> start() {
    MessageConsumer<com.google.protobuf.Message> consumer = vertx.eventBus().consumer(Addresses.replication(fence.nodeId()),
        this::onSync);
    pumpTimer = vertx.setPeriodic(PUMP_MS, id -> pump());
    stopListening = membership.onNodeLeft(node -> context.runOnContext(ignored -> {
      Follower f = followers.get(node);
      if (f != null) {
        drop(f, "left the cluster");
      }
    }));
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    ha.syncedStandbys.set(0);
    ha.lagRecords.set(0);
    ha.lagMs.set(0);
    vertx.cancelTimer(pumpTimer);
    stopListening.run();
    followers.values().forEach(f -> f.dropped = true);
    return Future.succeededFuture();
  }

  private void onSync(Message<com.google.protobuf.Message> msg) {
    if (!fence.admit(msg)) {
      return;
    }
    if (!(msg.body() instanceof SyncRequest request) || request.getNodeId().isEmpty()
        || !membership.isMember(request.getNodeId())) {
      fence.reply(msg, SyncAccepted.newBuilder().setAccepted(false).setTerm(fence.term())
          .setMessage("a standby must name itself and be a member of the cluster").build());
      return;
    }
    Follower old = followers.get(request.getNodeId());
    if (old != null) {
      drop(old, "asked to start over");
    }
    Follower f = new Follower(request.getNodeId(), journal.startRecording());
    followers.put(f.node, f);
    fence.reply(msg, SyncAccepted.newBuilder().setAccepted(true).setTerm(fence.term()).build());
    LOG.info("standby " + f.node + " follows term " + fence.term() + ": snapshot, then the log after " + f.startSeq);
    vertx.executeBlocking(() -> {
      sendSnapshot(f);
      return null;
    }, false).onComplete(ar -> {
      if (f.dropped) {
        return;
      }
      if (ar.failed()) {
        drop(f, "snapshot failed: " + ar.cause().getMessage());
        return;
      }
      f.streaming = true;
      f.lastAckNanos = System.nanoTime();
    });
  }

  /** On a worker: the registry, sessions and SSDs, then every published object; each chunk acknowledged in turn. */
  private void sendSnapshot(Follower f) throws Exception {
    List<byte[]> chunk = new ArrayList<>();
    for (Segment s : segments.snapshot()) {
      chunk.add(OpRecordCodec.encode(new OpRecord.SegmentMounted(s.name(), s.nodeId(), s.endpoint(), s.capacity(),
          true)));
    }
    liveness.tokens().forEach((node, token) -> chunk.add(OpRecordCodec.encode(new OpRecord.NodeSession(node, token))));
    for (LocalDisk d : disks.all()) {
      chunk.add(OpRecordCodec.encode(new OpRecord.DiskRegistered(d.nodeId(), d.endpoint())));
    }
    long nowMs = shards.shared().clock().nowMs();
    Exception[] failed = {null};
    ShardRestore.walk(shards, e -> OpRecordCodec.encode(Journal.putOf(e, nowMs)), slice -> {
      chunk.addAll(slice);
      while (failed[0] == null && chunk.size() >= BATCH_RECORDS && !f.dropped) {
        List<byte[]> head = chunk.subList(0, BATCH_RECORDS);
        try {
          sendAndWait(f, OpLogBatch.Kind.SNAPSHOT, 0, head);
        } catch (Exception e) {
          failed[0] = e;
        }
        head.clear();
      }
    });
    if (failed[0] != null) {
      throw failed[0];
    }
    if (f.dropped) {
      throw new IllegalStateException("dropped");
    }
    sendAndWait(f, OpLogBatch.Kind.SNAPSHOT, 0, chunk);
    sendAndWait(f, OpLogBatch.Kind.SNAPSHOT_END, f.startSeq, List.of());
  }

  private void sendAndWait(Follower f, OpLogBatch.Kind kind, long firstSeq, List<byte[]> records) throws Exception {
    if (f.dropped) {
      throw new IllegalStateException("dropped");
    }
    long timeoutMs = Math.max(5000, 5 * leaseMs);
    Message<com.google.protobuf.Message> reply = vertx.eventBus().<com.google.protobuf.Message>request(
            Addresses.standby(f.node), batch(kind, firstSeq, records), options(timeoutMs))
        .toCompletionStage().toCompletableFuture().get(timeoutMs + 1000, TimeUnit.MILLISECONDS);
    if (!(reply.body() instanceof OpLogAck ack) || ack.getStatus() != OpLogAck.Status.OK) {
      throw new IllegalStateException("standby refused a snapshot chunk: " + reply.body());
    }
  }

  private OpLogBatch batch(OpLogBatch.Kind kind, long firstSeq, List<byte[]> records) {
    OpLogBatch.Builder b = OpLogBatch.newBuilder().setKind(kind).setTerm(fence.term()).setFirstSeq(firstSeq);
    for (byte[] r : records) {
      b.addRecords(UnsafeByteOperations.unsafeWrap(r)); // a record is never changed once encoded: no copy
    }
    return b.build();
  }

  private DeliveryOptions options(long timeoutMs) {
    return Fencing.stamped(new DeliveryOptions().setSendTimeout(timeoutMs), fence.term(), fence.nodeId());
  }

  /** Sends what each standby lacks, within its window; moves durability and trimming along; drops laggards. */
  private void pump() {
    if (!fence.serving().getAsBoolean()) {
      return;
    }
    long last = journal.lastSeq();
    long now = System.nanoTime();
    for (Follower f : List.copyOf(followers.values())) {
      if (!f.streaming) {
        continue;
      }
      if (last - f.acked > MAX_LAG_RECORDS) {
        drop(f, "fell " + (last - f.acked) + " records behind");
        continue;
      }
      if (now - f.lastAckNanos > TimeUnit.MILLISECONDS.toNanos(3 * leaseMs)) {
        drop(f, "stopped acknowledging");
        continue;
      }
      feed(f, now);
      if (!f.gating && f.acked >= last && journal.gate(f.acked)) {
        f.gating = true;
        retiring.removeIf(r -> r.node.equals(f.node)); // the same standby, caught up again: it supersedes its old self
        LOG.info("standby " + f.node + " caught up at " + f.acked + ": it now gates frees");
      }
    }
    updateSynced();
    long durable = Long.MAX_VALUE;
    long trimTo = Long.MAX_VALUE;
    long oldestSend = now;
    for (Follower f : followers.values()) {
      trimTo = Math.min(trimTo, f.streaming ? f.acked : f.startSeq);
      if (f.gating) {
        durable = Math.min(durable, f.acked);
      }
      if (!f.sent.isEmpty()) {
        oldestSend = Math.min(oldestSend, f.sent.peekFirst()[1]);
      }
    }
    for (Follower f : retiring) {
      durable = Math.min(durable, f.acked);
    }
    if (durable != Long.MAX_VALUE) {
      journal.durableUpTo(durable);
    }
    if (trimTo != Long.MAX_VALUE) {
      journal.trim(trimTo);
    }
    ha.lagRecords.set(trimTo == Long.MAX_VALUE ? 0 : Math.max(0, last - trimTo));
    ha.lagMs.set(TimeUnit.NANOSECONDS.toMillis(now - oldestSend));
  }

  private void feed(Follower f, long now) {
    while (f.inFlight < WINDOW && !f.dropped) {
      List<byte[]> records = journal.read(f.nextSeq, BATCH_RECORDS);
      if (records == null) {
        drop(f, "needs records no longer retained");
        return;
      }
      if (records.isEmpty()) {
        if (f.inFlight == 0 && now - f.lastSendNanos > TimeUnit.MILLISECONDS.toNanos(leaseMs / 2)) {
          send(f, List.of(), now); // keep-alive: tells the standby its master is still there
        }
        return;
      }
      send(f, records, now);
    }
  }

  private void send(Follower f, List<byte[]> records, long now) {
    long first = f.nextSeq;
    f.nextSeq += records.size();
    f.inFlight++;
    f.lastSendNanos = now;
    f.sent.addLast(new long[] {f.nextSeq - 1, now});
    vertx.eventBus().<com.google.protobuf.Message>request(Addresses.standby(f.node),
        batch(OpLogBatch.Kind.STREAM, first, records), options(Math.max(1000, 2 * leaseMs))).onComplete(ar -> {
          f.inFlight--;
          if (f.dropped) {
            return;
          }
          if (ar.failed() || !(ar.result().body() instanceof OpLogAck ack)) {
            drop(f, "a batch failed: " + (ar.failed() ? ar.cause().getMessage() : "unexpected answer"));
            return;
          }
          f.lastAckNanos = System.nanoTime();
          f.acked = Math.max(f.acked, ack.getAppliedSeq());
          while (!f.sent.isEmpty() && f.sent.peekFirst()[0] <= f.acked) {
            f.sent.pollFirst();
          }
          switch (ack.getStatus()) {
            case GAP -> f.nextSeq = Math.min(f.nextSeq, f.acked + 1);
            case RESYNC -> drop(f, "asked for a new snapshot");
            default -> { }
          }
        });
  }

  /** Stops feeding {@code f}; if it gated frees, it keeps gating until the lease no longer lists it as synced. */
  private void drop(Follower f, String why) {
    if (f.dropped) {
      return;
    }
    f.dropped = true;
    followers.remove(f.node, f);
    LOG.warning("standby " + f.node + " dropped: " + why);
    if (f.gating) {
      retiring.add(f);
    }
    updateSynced();
    if (followers.isEmpty() && retiring.isEmpty()) {
      journal.ungate();
      journal.stopRecording();
    }
  }

  /** Brings the lease's synced set in line with the gating followers (one update in flight at a time). */
  private void updateSynced() {
    Set<String> wanted = new HashSet<>();
    followers.values().stream().filter(f -> f.gating).forEach(f -> wanted.add(f.node));
    if (settingSynced || (wanted.equals(syncedInLease) && retiring.isEmpty())) {
      return;
    }
    settingSynced = true;
    synced.set(wanted).onComplete(ar -> {
      settingSynced = false;
      if (ar.failed() || !ar.result()) {
        return; // retried on the next pump; retiring standbys keep gating meanwhile
      }
      syncedInLease = Set.copyOf(wanted);
      ha.syncedStandbys.set(wanted.size());
      retiring.removeIf(f -> !wanted.contains(f.node));
      boolean gatingLeft = followers.values().stream().anyMatch(f -> f.gating) || !retiring.isEmpty();
      if (!gatingLeft) {
        journal.ungate();
      }
      if (followers.isEmpty() && retiring.isEmpty()) {
        journal.stopRecording();
      }
    });
  }
}
