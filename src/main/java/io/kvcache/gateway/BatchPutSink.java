package io.kvcache.gateway;

import com.google.protobuf.ByteString;
import io.kvcache.metadata.ObjectKey;
import io.kvcache.proto.v1.BatchPutChunk;
import io.kvcache.proto.v1.BatchPutReply;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.PutItem;
import io.kvcache.proto.v1.ReplicateConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.kvcache.gateway.grpc.MessageStream;

import java.util.ArrayList;
import java.util.List;

/**
 * Receives a BatchPut stream: each chunk's items are stored as one batch (split by shard) as soon as the chunk arrives,
 * while the stream is paused whenever more than {@code maxInFlightBytes} of values are still being stored. Namespace
 * and config come from the first chunk. Items past {@code maxItems}, bad keys and empty values get INVALID_PARAMS.
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
  private final Promise<BatchPutReply> done = Promise.promise();
  private String namespace;
  private ReplicateConfig config;
  private long inFlightBytes;
  private int inFlightChunks;
  private boolean ended;
  private boolean paused;
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
      if (values.get(at).isEmpty() || base + at >= maxItems) {
        batch.codes[at] = ErrorCode.INVALID_PARAMS;
      } else {
        acceptedKeys.add(batch.keys.get(j));
        accepted.add(values.get(at));
        acceptedAt.add(at);
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
    puts.put(writer, acceptedKeys, accepted, config).onComplete(ar -> {
      in.release(chunk); // its values are in their segments now (or failed): the receive buffers may go
      for (int j = 0; j < acceptedAt.size(); j++) {
        codes.set(base + acceptedAt.get(j), ar.succeeded() ? ar.result()[j] : ErrorCode.INTERNAL_ERROR);
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

  private void maybeFinish() {
    if (!ended || inFlightChunks > 0) {
      return;
    }
    int stored = 0;
    for (ErrorCode c : codes) {
      if (c == ErrorCode.OK) {
        stored++;
      }
    }
    done.tryComplete(BatchPutReply.newBuilder().addAllCodes(codes).setStored(stored).build());
  }
}
