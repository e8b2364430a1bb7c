package io.kvcache.gateway;

import io.kvcache.gateway.grpc.CallContext;
import io.kvcache.gateway.grpc.ResponseStream;
import io.kvcache.metadata.Metadata;
import io.kvcache.metadata.ObjectKey;
import io.kvcache.metadata.ReplicaLists;
import io.kvcache.proto.v1.BatchGetChunk;
import io.kvcache.proto.v1.BatchGetRequest;
import io.kvcache.proto.v1.BatchPutChunk;
import io.kvcache.proto.v1.BatchPutReply;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.GetReply;
import io.kvcache.proto.v1.GetRequest;
import io.kvcache.proto.v1.PutReply;
import io.kvcache.proto.v1.PutRequest;
import io.kvcache.metadata.KeyReplicas;
import io.kvcache.replica.KeyCodec;
import io.kvcache.storage.DataTransfer;
import io.vertx.core.Future;
import io.vertx.core.streams.ReadStream;
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
  private static final int BATCH_GET_WINDOW = 8;
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

  Future<GetReply> get(CallContext call, GetRequest r) {
    if (KeyCodec.validate(r.getNamespace(), r.getKey(), options.maxKeySize()) != null) {
      metrics.record("get", 1, 1);
      return Future.succeededFuture(GetReply.newBuilder().setCode(ErrorCode.INVALID_PARAMS).build());
    }
    long start = reads.clock().nowMs();
    ObjectKey key = ObjectKey.of(r.getNamespace(), r.getKey());
    return metadata.replicas(List.of(key))
        .compose(lists -> reads.read(lists.get(0), key.encoded(), start, lists.leaseTtlMs())
            .transform(ar -> {
              GetReply.Builder reply = GetReply.newBuilder().setLeaseTtlMs(lists.leaseTtlMs());
              if (ar.succeeded()) {
                metrics.bytesOut.increment(ar.result().size());
                reply.setCode(ErrorCode.OK).setValue(ar.result());
              } else {
                reply.setCode(DataTransfer.codeOf(ar.cause()));
              }
              metrics.record("get", 1, ar.succeeded() ? 0 : 1);
              return Future.succeededFuture(reply.build());
            }));
  }

  Future<BatchPutReply> batchPut(CallContext call, ReadStream<BatchPutChunk> chunks) {
    BatchPutSink sink = new BatchPutSink(puts, call.client(), options.maxKeySize(), options.maxBatchSize(),
        BATCH_PUT_IN_FLIGHT_BYTES, chunks);
    return sink.run().onSuccess(reply -> {
      metrics.record("batch_put", reply.getCodesCount(), reply.getCodesCount() - reply.getStored());
      metrics.bytesIn.increment(sink.bytesIn());
    });
  }

  void batchGet(CallContext call, BatchGetRequest r, ResponseStream<BatchGetChunk> out) {
    KeyBatch batch;
    try {
      batch = Validation.checkedBatch(options, r.getNamespace(), r.getKeysList());
    } catch (StatusException e) {
      out.fail(e.status(), e.message());
      return;
    }
    long start = reads.clock().nowMs();
    metadata.replicas(batch.keys).onComplete(ar -> {
      if (ar.failed()) {
        out.fail(io.vertx.grpc.common.GrpcStatus.INTERNAL, String.valueOf(ar.cause().getMessage()));
        return;
      }
      ReplicaLists lists = inCallOrder(batch, ar.result());
      byte[][] keys = new byte[batch.size()][];
      for (int j = 0; j < batch.keys.size(); j++) {
        keys[batch.positions[j]] = batch.keys.get(j).encoded();
      }
      BatchGetStream[] stream = new BatchGetStream[1];
      stream[0] = new BatchGetStream(reads, out, lists, keys, start, BATCH_GET_WINDOW, BATCH_GET_CHUNK_BYTES,
          () -> {
            metrics.record("batch_get", lists.size(), lists.size() - stream[0].hits());
            metrics.bytesOut.increment(stream[0].bytesOut());
          });
      stream[0].pump();
    });
  }

  /** The replica lists of a batch's valid keys, put back among its refused keys, in call order. */
  private static ReplicaLists inCallOrder(KeyBatch batch, ReplicaLists listed) {
    KeyReplicas[] all = new KeyReplicas[batch.size()];
    for (int i = 0; i < all.length; i++) {
      if (batch.codes[i] != null) {
        all[i] = KeyReplicas.failed(batch.codes[i]);
      }
    }
    for (int j = 0; j < listed.size(); j++) {
      all[batch.positions[j]] = listed.get(j);
    }
    return new ReplicaLists(all, listed.leaseTtlMs());
  }
}
