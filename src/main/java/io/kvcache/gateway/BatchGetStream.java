package io.kvcache.gateway;

import io.kvcache.gateway.grpc.ResponseStream;
import io.kvcache.metadata.KeyReplicas;
import io.kvcache.metadata.Metadata;
import io.kvcache.metadata.ObjectKey;
import io.kvcache.metadata.ReplicaLists;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.GetItem;
import io.kvcache.storage.DataTransfer;
import io.netty.buffer.ByteBuf;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.List;

/**
 * Streams the values of a batch get in request order, a lease group at a time: the replicas of the next
 * {@link #LEASE_GROUP} keys are listed (granting their read leases) only when the stream is ready to read them, so a
 * slow reader's later keys are leased when they are read, not when the call started; up to {@code window} reads are in
 * flight (SSD-only keys of a group loaded per node in one batch by {@link DiskBatches}); items are packed into chunks of
 * about {@code chunkBytes}; nothing more is read while the response cannot be written (HTTP/2 flow control), so a
 * 128 x 4 MiB batch never sits in memory at once. A cancelled call releases every value it still holds.
 *
 * <p>Not thread-safe: runs on the gateway's event loop. {@link #pump()} is re-entrant-safe because completed futures
 * call back synchronously.
 */
final class BatchGetStream {
  /** Keys listed (and leased) together. */
  static final int LEASE_GROUP = 8;

  private final Metadata metadata;
  private final ReadFlow reads;
  private final ResponseStream<ValueReplies.Chunk> out;
  private final List<ObjectKey> keys;       // per item: its key, or null for a refused item
  private final ErrorCode[] refused;        // per item: the code of a refused item, else null
  private final int window;
  private final long chunkBytes;
  private final Runnable onDone;
  @SuppressWarnings("unchecked")
  private final Future<ByteBuf>[] inFlight;
  private final long[] leaseTtlMs;
  private List<GetItem> chunkItems = new ArrayList<>();
  private List<ByteBuf> chunkValues = new ArrayList<>();
  private long chunkSize;
  private int listed;
  private boolean listing;
  private int emitted;
  private boolean pumping;
  private boolean again;
  private boolean waitingForDrain;
  private boolean cancelled;
  private boolean done;
  private long bytesOut;
  private int hits;

  @SuppressWarnings("unchecked")
  BatchGetStream(Metadata metadata, ReadFlow reads, ResponseStream<ValueReplies.Chunk> out, List<ObjectKey> keys,
                 ErrorCode[] refused, int window, long chunkBytes, Runnable onDone) {
    this.metadata = metadata;
    this.reads = reads;
    this.out = out;
    this.keys = keys;
    this.refused = refused;
    this.window = window;
    this.chunkBytes = chunkBytes;
    this.onDone = onDone;
    this.inFlight = new Future[keys.size()];
    this.leaseTtlMs = new long[keys.size()];
    out.exceptionHandler(cancel -> cancel());
  }

  long bytesOut() {
    return bytesOut;
  }

  int hits() {
    return hits;
  }

  void pump() {
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        if (cancelled || done) {
          return;
        }
        emitReady();
        if (emitted == inFlight.length) {
          flush();
          done = true;
          out.end();
          onDone.run();
          return;
        }
        if (!waitingForDrain && !listing && listed < inFlight.length && listed - emitted <= window - LEASE_GROUP) {
          listNextGroup();
        }
      } while (again);
    } finally {
      pumping = false;
    }
  }

  /** Lists (and leases) the next group of keys and starts reading them. */
  private void listNextGroup() {
    int from = listed;
    int to = Math.min(inFlight.length, from + LEASE_GROUP);
    listed = to;
    List<ObjectKey> group = new ArrayList<>();
    List<Integer> at = new ArrayList<>();
    for (int i = from; i < to; i++) {
      if (refused[i] != null) {
        inFlight[i] = Future.failedFuture(new DataTransfer.TransferException(refused[i], "refused"));
      } else {
        group.add(keys.get(i));
        at.add(i);
      }
    }
    if (group.isEmpty()) {
      again = true;
      return;
    }
    listing = true;
    long leaseStart = reads.clock().nowMs();
    metadata.replicas(group).onComplete(ar -> {
      listing = false;
      if (ar.failed()) {
        for (int i : at) {
          inFlight[i] = Future.failedFuture(new DataTransfer.TransferException(ErrorCode.RPC_FAIL, "replica lists"));
        }
      } else {
        launch(ar.result(), at, leaseStart);
      }
      pump();
    });
  }

  private void launch(ReplicaLists lists, List<Integer> at, long leaseStart) {
    byte[][] groupKeys = new byte[lists.size()][];
    for (int j = 0; j < groupKeys.length; j++) {
      groupKeys[j] = keys.get(at.get(j)).encoded();
    }
    DiskBatches disk = new DiskBatches(reads, lists, groupKeys);
    for (int j = 0; j < lists.size(); j++) {
      int i = at.get(j);
      KeyReplicas listed = lists.get(j);
      leaseTtlMs[i] = lists.leaseTtlMs();
      Future<ByteBuf> read = disk.isDisk(j) ? disk.read(j, groupKeys[j], leaseStart, lists.leaseTtlMs())
          : reads.read(listed, groupKeys[j], leaseStart, lists.leaseTtlMs());
      inFlight[i] = read;
      read.onComplete(ar -> {
        if (cancelled && ar.succeeded()) {
          ar.result().release();
        } else {
          pump();
        }
      });
    }
  }

  private void emitReady() {
    while (emitted < listed && inFlight[emitted] != null && inFlight[emitted].isComplete() && !waitingForDrain) {
      Future<ByteBuf> read = inFlight[emitted];
      inFlight[emitted] = null;
      GetItem.Builder item = GetItem.newBuilder().setIndex(emitted);
      if (read.succeeded()) {
        ByteBuf value = read.result();
        item.setCode(ErrorCode.OK).setLeaseTtlMs(leaseTtlMs[emitted]);
        chunkItems.add(item.build());
        chunkValues.add(value);
        chunkSize += value.readableBytes();
        bytesOut += value.readableBytes();
        hits++;
      } else {
        chunkItems.add(item.setCode(DataTransfer.codeOf(read.cause())).build());
        chunkValues.add(null);
      }
      emitted++;
      if (chunkSize >= chunkBytes) {
        flush();
      }
    }
  }

  private void flush() {
    if (chunkItems.isEmpty()) {
      return;
    }
    out.write(new ValueReplies.Chunk(chunkItems, chunkValues));
    chunkItems = new ArrayList<>();
    chunkValues = new ArrayList<>();
    chunkSize = 0;
    if (out.writeQueueFull()) {
      waitingForDrain = true;
      out.drainHandler(ignored -> {
        waitingForDrain = false;
        pump();
      });
    }
  }

  /** The client went away: free what was read and not yet written. */
  private void cancel() {
    cancelled = true;
    chunkValues.forEach(v -> {
      if (v != null) {
        v.release();
      }
    });
    chunkValues.clear();
    for (Future<ByteBuf> f : inFlight) {
      if (f != null && f.succeeded()) {
        f.result().release();
      }
    }
  }
}
