package io.kvcache.gateway;

import io.kvcache.gateway.grpc.CallContext;
import io.kvcache.gateway.grpc.MessageStream;
import io.kvcache.gateway.grpc.ResponseStream;
import io.kvcache.metadata.Metadata;
import io.kvcache.metadata.ObjectKey;
import io.kvcache.proto.v1.BatchGetRequest;
import io.kvcache.proto.v1.BatchPutChunk;
import io.kvcache.proto.v1.BatchPutReply;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.GetReply;
import io.kvcache.proto.v1.GetRequest;
import io.kvcache.proto.v1.PutReply;
import io.kvcache.proto.v1.PutRequest;
import io.kvcache.replica.KeyCodec;
import io.kvcache.storage.DataTransfer;
import io.vertx.core.Future;
import io.vertx.grpc.server.StatusException;

import java.util.List;

/**
 * The data plane: Put, Get, BatchPut (a client stream of chunks) and BatchGet (a server stream of chunks). Bad input
 * gets INVALID_PARAMS (per key in batches) and reaches no shard.
 *
 * <p>Not thread-safe: one per gateway verticle.
 */
final class ValueHandlers {
  /** Bytes of values a BatchPut may have in flight before its stream is paused. */
  private static final long BATCH_PUT_IN_FLIGHT_BYTES = 64L << 20;
  /** Reads a BatchGet keeps in flight, and the size its chunks aim for. */
  private static final int BATCH_GET_WINDOW = 16;
  private static final long BATCH_GET_CHUNK_BYTES = 4L << 20;

  private final GatewayOptions options;
  private final Metadata metadata;
  private final PutFlow puts;
  private final ReadFlow reads;
  private final GatewayMetrics metrics;

  ValueHandlers(GatewayOptions options, Metadata metadata, PutFlow puts, ReadFlow reads, GatewayMetrics metrics) {
    this.options = options;
    this.metadata = metadata;
    this.puts = puts;
    this.reads = reads;
    this.metrics = metrics;
  }

  Future<PutReply> put(CallContext call, PutRequest r) {
    String invalid = KeyCodec.validate(r.getNamespace(), r.getKey(), options.maxKeySize());
    if (invalid == null && (r.getValue().isEmpty() || r.getValue().size() > options.maxValueSize())) {
      invalid = "value of " + r.getValue().size() + " bytes is outside [1, " + options.maxValueSize() + "]";
    }
    if (invalid != null) {
      metrics.record("put", 1, 1);
      return Future.succeededFuture(PutReply.newBuilder().setCode(ErrorCode.INVALID_PARAMS).setMessage(invalid).build());
    }
    ObjectKey key = ObjectKey.of(r.getNamespace(), r.getKey());
    return puts.put(call.client(), List.of(key), List.of(r.getValue()), r.getConfig()).map(codes -> {
      metrics.record("put", 1, codes[0] == ErrorCode.OK ? 0 : 1);
      if (codes[0] == ErrorCode.OK) {
        metrics.bytesIn.increment(r.getValue().size());
      }
      return PutReply.newBuilder().setCode(codes[0]).build();
    });
  }

  Future<ValueReplies.GetResult> get(CallContext call, GetRequest r) {
    if (KeyCodec.validate(r.getNamespace(), r.getKey(), options.maxKeySize()) != null) {
      metrics.record("get", 1, 1);
      return Future.succeededFuture(new ValueReplies.GetResult(
          GetReply.newBuilder().setCode(ErrorCode.INVALID_PARAMS).build(), null));
    }
    long start = reads.clock().nowMs();
    ObjectKey key = ObjectKey.of(r.getNamespace(), r.getKey());
    return metadata.replicas(List.of(key))
        .compose(lists -> reads.read(lists.get(0), key.encoded(), start, lists.leaseTtlMs())
            .transform(ar -> {
              GetReply.Builder reply = GetReply.newBuilder().setLeaseTtlMs(lists.leaseTtlMs());
              if (ar.succeeded()) {
                metrics.bytesOut.increment(ar.result().readableBytes());
                reply.setCode(ErrorCode.OK);
              } else {
                reply.setCode(DataTransfer.codeOf(ar.cause()));
              }
              metrics.record("get", 1, ar.succeeded() ? 0 : 1);
              return Future.succeededFuture(new ValueReplies.GetResult(reply.build(),
                  ar.succeeded() ? ar.result() : null));
            }));
  }

  Future<BatchPutReply> batchPut(CallContext call, MessageStream<BatchPutChunk> chunks) {
    BatchPutSink sink = new BatchPutSink(puts, call.client(), options.maxKeySize(), options.maxBatchSize(),
        BATCH_PUT_IN_FLIGHT_BYTES, chunks);
    return sink.run().onSuccess(reply -> {
      metrics.record("batch_put", reply.getCodesCount(), reply.getCodesCount() - reply.getStored());
      metrics.bytesIn.increment(sink.bytesIn());
    });
  }

  void batchGet(CallContext call, BatchGetRequest r, ResponseStream<ValueReplies.Chunk> out) {
    KeyBatch batch;
    try {
      batch = Validation.checkedBatch(options, r.getNamespace(), r.getKeysList());
    } catch (StatusException e) {
      out.fail(e.status(), e.message());
      return;
    }
    List<ObjectKey> keys = new java.util.ArrayList<>(java.util.Collections.nCopies(batch.size(), (ObjectKey) null));
    for (int j = 0; j < batch.keys.size(); j++) {
      keys.set(batch.positions[j], batch.keys.get(j));
    }
    BatchGetStream[] stream = new BatchGetStream[1];
    stream[0] = new BatchGetStream(metadata, reads, out, keys, batch.codes, BATCH_GET_WINDOW, BATCH_GET_CHUNK_BYTES,
        () -> {
          metrics.record("batch_get", batch.size(), batch.size() - stream[0].hits());
          metrics.bytesOut.increment(stream[0].bytesOut());
        });
    stream[0].pump();
  }
}
