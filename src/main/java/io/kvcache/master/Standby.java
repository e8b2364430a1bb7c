package io.kvcache.master;

import io.kvcache.bus.Addresses;
import io.kvcache.bus.BusErrors;
import io.kvcache.bus.Fencing;
import io.kvcache.ha.Catalog;
import io.kvcache.ha.LeaseState;
import io.kvcache.proto.bus.OpLogAck;
import io.kvcache.proto.bus.OpLogBatch;
import io.kvcache.proto.bus.SyncAccepted;
import io.kvcache.proto.bus.SyncRequest;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;

import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.logging.Logger;

/**
 * A master-role node that is not the active master, following it: asks to be followed (again whenever it is not
 * following the current lease holder, or has heard nothing from it for three leases), applies the snapshot, then the op
 * log strictly in sequence, and acknowledges cumulatively. Batches of an older term than the copy's come from a replaced
 * master: refused and counted. A gap is answered with the position to resend from; a stream batch that does not follow
 * the snapshot asks for a new snapshot. A corrupt or unknown record is refused and counted, the rest applied.
 *
 * <p>Confined to the supervisor's context.
 */
final class Standby {
  private static final Logger LOG = Logger.getLogger(Standby.class.getName());

  private final Vertx vertx;
  private final String nodeId;
  private final Catalog catalog;
  private final HaMetrics ha;
  private final LongConsumer termSeen;
  private final long leaseMs;
  private boolean asking;
  private boolean receivingSnapshot;
  private long lastAskNanos;
  private long lastBatchNanos;
  private long refusedReported;

  Standby(Vertx vertx, String nodeId, Catalog catalog, HaMetrics ha, LongConsumer termSeen, long leaseMs) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.catalog = catalog;
    this.ha = ha;
    this.termSeen = termSeen;
    this.leaseMs = leaseMs;
  }

  Catalog catalog() {
    return catalog;
  }

  /** The lease says {@code lease.holder()} is the master: make sure this node follows it. */
  void follow(LeaseState lease) {
    long now = System.nanoTime();
    if (lease == null || lease.holder().equals(nodeId) || asking) {
      return;
    }
    boolean following = catalog.term() == lease.term()
        && now - lastBatchNanos < TimeUnit.MILLISECONDS.toNanos(3 * leaseMs);
    if (following || now - lastAskNanos < TimeUnit.MILLISECONDS.toNanos(leaseMs)) {
      return;
    }
    asking = true;
    lastAskNanos = now;
    DeliveryOptions ask = Fencing.stamped(new DeliveryOptions().setSendTimeout(Math.max(1000, leaseMs)),
        lease.term(), nodeId);
    vertx.eventBus().<com.google.protobuf.Message>request(Addresses.replication(lease.holder()),
        SyncRequest.newBuilder().setNodeId(nodeId).build(), ask).onComplete(ar -> {
          asking = false;
          if (ar.succeeded() && ar.result().body() instanceof SyncAccepted accepted && accepted.getAccepted()) {
            lastBatchNanos = System.nanoTime(); // the snapshot is on its way
            LOG.info("following the master of term " + accepted.getTerm());
          }
        });
  }

  /** An op-log batch from the active master. */
  void onBatch(Message<com.google.protobuf.Message> msg) {
    if (!(msg.body() instanceof OpLogBatch b)) {
      msg.fail(BusErrors.NOT_MASTER, "not an op-log batch");
      return;
    }
    long term = b.getTerm();
    if (term < catalog.term()) {
      ha.staleAtStandby.increment();
      msg.fail(BusErrors.NOT_MASTER, "term " + term + " is older than the followed master's " + catalog.term());
      return;
    }
    termSeen.accept(term);
    lastBatchNanos = System.nanoTime();
    OpLogAck.Status status = switch (b.getKind()) {
      case SNAPSHOT -> {
        if (!receivingSnapshot || term != catalog.term()) {
          catalog.reset(term);
          receivingSnapshot = true;
        }
        b.getRecordsList().forEach(r -> catalog.applySnapshot(r.toByteArray()));
        yield OpLogAck.Status.OK;
      }
      case SNAPSHOT_END -> {
        if (!receivingSnapshot || term != catalog.term()) {
          yield OpLogAck.Status.RESYNC;
        }
        catalog.snapshotDone(b.getFirstSeq());
        receivingSnapshot = false;
        LOG.info("snapshot of term " + term + " applied: " + catalog.objectCount() + " objects; following the log");
        yield OpLogAck.Status.OK;
      }
      case STREAM -> stream(b);
      default -> OpLogAck.Status.RESYNC;
    };
    long refused = catalog.refused();
    if (refused > refusedReported) {
      ha.refusedRecords.increment(refused - refusedReported);
    }
    refusedReported = refused;
    msg.reply(OpLogAck.newBuilder().setStatus(status).setAppliedSeq(catalog.appliedSeq()).setRefused(refused).build(),
        Fencing.reply(term, nodeId));
  }

  private OpLogAck.Status stream(OpLogBatch b) {
    if (b.getTerm() != catalog.term() || !catalog.isComplete() || receivingSnapshot) {
      return OpLogAck.Status.RESYNC;
    }
    for (int i = 0; i < b.getRecordsCount(); i++) {
      long seq = b.getFirstSeq() + i;
      if (seq <= catalog.appliedSeq()) {
        continue; // a resent record this copy already has
      }
      if (catalog.applyStream(seq, b.getRecords(i).toByteArray()) == Catalog.Applied.OUT_OF_SEQUENCE) {
        return OpLogAck.Status.GAP;
      }
    }
    return OpLogAck.Status.OK;
  }

  /** Forgets the copy (this node became the master, or its master changed). */
  void reset() {
    catalog.reset(0);
    receivingSnapshot = false;
    refusedReported = catalog.refused();
  }
}
