package io.kvcache.gateway;

import com.google.protobuf.ByteString;
import io.kvcache.gateway.grpc.MessageStream;
import io.kvcache.metadata.ObjectKey;
import io.kvcache.proto.v1.BatchPutChunk;
import io.kvcache.proto.v1.BatchPutReply;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.PutItem;
import io.kvcache.proto.v1.ReplicateConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.StatusException;

import java.util.ArrayList;
import java.util.List;

/**
 * Receives a BatchPut stream and stores it all or nothing: each chunk's values are written into reserved replicas as
 * soon as the chunk arrives (the stream pauses while more than {@code maxInFlightBytes} are being written), and the keys
 * become readable together when the stream ends cleanly. A stream that is cut, reset, malformed or longer than
 * {@code maxItems} items ends the call with an error and publishes none of its keys (their reservations are revoked),
 * so a failed call never leaves part of a batch behind that the client cannot know about. Namespace and config come from
 * the first chunk; bad keys and empty values get INVALID_PARAMS per key.
 *
 * <p>Not thread-safe: lives on the event loop of the call.
 */
final class BatchPutSink {
  private final PutFlow puts;
  private final long writer;
  private final int maxKeyBytes;
  private final int maxItems;
  private final long maxInFlightBytes;
  private final MessageStream<BatchPutChunk> in;
  private final List<ErrorCode> codes = new ArrayList<>();
  private final List<ObjectKey> staged = new ArrayList<>();   // written, not yet readable
  private final List<Integer> stagedAt = new ArrayList<>();   // their positions in codes
  private final Promise<BatchPutReply> done = Promise.promise();
  private String namespace;
  private ReplicateConfig config;
  private long inFlightBytes;
  private int inFlightChunks;
  private boolean ended;
  private Throwable aborted; // why the call fails; set once, then nothing is published
  private boolean paused;
  private boolean finishing;
  private long bytesIn;

  BatchPutSink(PutFlow puts, long writer, int maxKeyBytes, int maxItems, long maxInFlightBytes,
               MessageStream<BatchPutChunk> in) {
    this.puts = puts;
    this.writer = writer;
    this.maxKeyBytes = maxKeyBytes;
    this.maxItems = maxItems;
    this.maxInFlightBytes = maxInFlightBytes;
    this.in = in;
  }

  Future<BatchPutReply> run() {
    in.exceptionHandler(this::abort);
    in.handler(this::onChunk);
    in.endHandler(ignored -> {
      ended = true;
      maybeFinish();
    });
    return done.future();
  }

  long bytesIn() {
    return bytesIn;
  }

  private void onChunk(BatchPutChunk chunk) {
    if (aborted != null) {
      in.release(chunk);
      return;
    }
    if (chunk.getItemsCount() > maxItems - codes.size()) {
      in.release(chunk);
      abort(new StatusException(GrpcStatus.INVALID_ARGUMENT,
          "a BatchPut carries at most " + maxItems + " items (max_batch_size)"));
      return;
    }
    if (namespace == null) {
      namespace = chunk.getNamespace();
      config = chunk.getConfig();
    }
    int base = codes.size();
    List<String> keys = new ArrayList<>(chunk.getItemsCount());
    List<ByteString> values = new ArrayList<>(chunk.getItemsCount());
    long bytes = 0;
    for (PutItem item : chunk.getItemsList()) {
      codes.add(null);
      keys.add(item.getKey());
      values.add(item.getValue());
      bytes += item.getValue().size();
    }
    KeyBatch batch = KeyBatch.of(namespace, keys, maxKeyBytes);
    List<ByteString> accepted = new ArrayList<>(batch.keys.size());
    List<ObjectKey> acceptedKeys = new ArrayList<>(batch.keys.size());
    List<Integer> acceptedAt = new ArrayList<>(batch.keys.size());
    for (int j = 0; j < batch.keys.size(); j++) {
      int at = batch.positions[j];
      if (values.get(at).isEmpty()) {
        batch.codes[at] = ErrorCode.INVALID_PARAMS;
      } else {
        acceptedKeys.add(batch.keys.get(j));
        accepted.add(values.get(at));
        acceptedAt.add(base + at);
      }
    }
    for (int at = 0; at < batch.size(); at++) {
      if (batch.codes[at] != null) {
        codes.set(base + at, batch.codes[at]);
      }
    }
    if (acceptedKeys.isEmpty()) {
      in.release(chunk);
      return;
    }
    long chunkBytes = bytes;
    bytesIn += bytes;
    inFlightBytes += chunkBytes;
    inFlightChunks++;
    if (inFlightBytes > maxInFlightBytes && !paused) {
      paused = true;
      in.pause();
    }
    puts.stage(writer, acceptedKeys, accepted, config).onComplete(ar -> {
      in.release(chunk); // its values are in their segments now (or failed): the receive buffers may go
      if (ar.succeeded()) {
        PutFlow.Staged s = ar.result();
        for (int j = 0; j < acceptedAt.size(); j++) {
          codes.set(acceptedAt.get(j), s.codes()[j]);
        }
        for (int j = 0; j < s.keys().size(); j++) {
          staged.add(s.keys().get(j));
          stagedAt.add(acceptedAt.get(s.positions()[j]));
        }
      } else {
        acceptedAt.forEach(at -> codes.set(at, ErrorCode.INTERNAL_ERROR));
      }
      inFlightBytes -= chunkBytes;
      inFlightChunks--;
      if (paused && inFlightBytes <= maxInFlightBytes) {
        paused = false;
        in.resume();
      }
      maybeFinish();
    });
  }

  /** The call fails (the client's fault, or the stream broke): nothing of it will be published. */
  private void abort(Throwable why) {
    if (aborted == null) {
      aborted = why;
      maybeFinish();
    }
  }

  /** Once no chunk is being written: publish everything (clean end) or revoke everything (aborted). */
  private void maybeFinish() {
    if (inFlightChunks > 0 || (!ended && aborted == null) || finishing) {
      return;
    }
    finishing = true; // from here on the outcome is decided: an abort arriving now changes nothing
    if (aborted != null) {
      Throwable why = aborted;
      List<ObjectKey> revoked = new ArrayList<>(staged);
      staged.clear();
      puts.revoke(writer, revoked).onComplete(ignored -> done.tryFail(why));
      return;
    }
    puts.publish(writer, staged).onSuccess(published -> {
      for (int j = 0; j < stagedAt.size(); j++) {
        codes.set(stagedAt.get(j), published[j]);
      }
      int stored = 0;
      for (ErrorCode c : codes) {
        if (c == ErrorCode.OK) {
          stored++;
        }
      }
      done.tryComplete(BatchPutReply.newBuilder().addAllCodes(codes).setStored(stored).build());
    });
  }
}
