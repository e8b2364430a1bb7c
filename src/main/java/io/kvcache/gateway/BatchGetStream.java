package io.kvcache.gateway;

import com.google.protobuf.ByteString;
import io.kvcache.metadata.ReplicaLists;
import io.kvcache.storage.DataTransfer;
import io.kvcache.proto.v1.BatchGetChunk;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.GetItem;
import io.vertx.core.Future;
import io.vertx.core.streams.WriteStream;

/**
 * Streams the values of a batch get in request order: up to {@code window} reads in flight (SSD-only keys loaded per
 * node in batches by {@link DiskBatches}), items packed into chunks of about {@code chunkBytes}, and writing paused while
 * the response's queue is full (so a 128 x 4 MiB batch never sits in memory at once).
 *
 * <p>Not thread-safe: runs on the gateway's event loop. {@link #pump()} is re-entrant-safe because completed futures
 * call back synchronously.
 */
final class BatchGetStream {
  private final ReadFlow reads;
  private final WriteStream<BatchGetChunk> out;
  private final ReplicaLists lists;
  private final byte[][] keys;
  private final DiskBatches disk;
  private final long leaseStartMs;
  private final int window;
  private final long chunkBytes;
  private final Future<ByteString>[] inFlight;
  private final Runnable onDone;
  private BatchGetChunk.Builder chunk = BatchGetChunk.newBuilder();
  private long chunkSize;
  private int launched;
  private int emitted;
  private boolean pumping;
  private boolean again;
  private boolean waitingForDrain;
  private long bytesOut;
  private int hits;

  @SuppressWarnings({"unchecked", "rawtypes"})
  BatchGetStream(ReadFlow reads, WriteStream<BatchGetChunk> out, ReplicaLists lists, byte[][] keys, long leaseStartMs,
                 int window, long chunkBytes, Runnable onDone) {
    this.reads = reads;
    this.out = out;
    this.lists = lists;
    this.keys = keys;
    this.disk = new DiskBatches(reads, lists, keys);
    this.leaseStartMs = leaseStartMs;
    this.window = window;
    this.chunkBytes = chunkBytes;
    this.inFlight = new Future[lists.size()];
    this.onDone = onDone;
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
        emitReady();
        if (emitted == inFlight.length) {
          flush();
          out.end();
          onDone.run();
          return;
        }
        if (!waitingForDrain) {
          launch();
        }
      } while (again);
    } finally {
      pumping = false;
    }
  }

  private void launch() {
    while (launched < inFlight.length && launched - emitted < window) {
      Future<ByteString> read = disk.isDisk(launched)
          ? disk.read(launched, keys[launched], leaseStartMs, lists.leaseTtlMs())
          : reads.read(lists.get(launched), keys[launched], leaseStartMs, lists.leaseTtlMs());
      inFlight[launched++] = read;
      read.onComplete(ignored -> pump());
    }
  }

  private void emitReady() {
    while (emitted < launched && inFlight[emitted].isComplete() && !waitingForDrain) {
      Future<ByteString> read = inFlight[emitted];
      inFlight[emitted] = null;
      GetItem.Builder item = GetItem.newBuilder().setIndex(emitted);
      if (read.succeeded()) {
        item.setCode(ErrorCode.OK).setValue(read.result()).setLeaseTtlMs(lists.leaseTtlMs());
        chunkSize += read.result().size();
        bytesOut += read.result().size();
        hits++;
      } else {
        item.setCode(DataTransfer.codeOf(read.cause()));
      }
      chunk.addItems(item);
      emitted++;
      if (chunkSize >= chunkBytes) {
        flush();
      }
    }
  }

  private void flush() {
    if (chunk.getItemsCount() == 0) {
      return;
    }
    out.write(chunk.build());
    chunk = BatchGetChunk.newBuilder();
    chunkSize = 0;
    if (out.writeQueueFull()) {
      waitingForDrain = true;
      out.drainHandler(ignored -> {
        waitingForDrain = false;
        pump();
      });
    }
  }
}
