package io.kvcache.client;

import com.google.protobuf.ByteString;
import io.kvcache.proto.v1.BatchGetChunk;
import io.kvcache.proto.v1.BatchGetRequest;
import io.kvcache.proto.v1.BatchPutChunk;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.GetItem;
import io.kvcache.proto.v1.KvStoreGrpcClient;
import io.kvcache.proto.v1.PutItem;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.streams.ReadStream;
import io.vertx.grpc.client.InvalidStatusException;
import io.vertx.grpc.common.GrpcStatus;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The parts of {@link KvStoreClient}'s calls that are not one line: failures mapped to {@link KvStoreException}s, the
 * streaming BatchPut and BatchGet, and the check that a buffer is still known to the node.
 *
 * <p>Thread-safe (immutable); stream callbacks run on the client's event loop.
 */
final class Calls {
  /**
   * BatchPut packs whole items (keys and values) into chunks of at most this many bytes, or one larger item alone: every
   * chunk then fits the node's message limit (max_value_size + 1 MiB), whatever max_value_size is.
   */
  private static final int CHUNK_BYTES = 1 << 20;

  private final Vertx vertx;
  private final KvStoreGrpcClient stub;
  private final String namespace;

  Calls(Vertx vertx, KvStoreGrpcClient stub, String namespace) {
    this.vertx = vertx;
    this.stub = stub;
    this.namespace = namespace;
  }

  /** The call's reply, or a KvStoreException saying how the call failed. */
  <T> Future<T> check(String method, Future<T> call) {
    return call.recover(failure -> Future.failedFuture(failureOf(method, failure)));
  }

  static KvStoreException failureOf(String method, Throwable failure) {
    if (failure instanceof KvStoreException known) {
      return known;
    }
    if (failure instanceof InvalidStatusException status) {
      GrpcStatus actual = status.actualStatus();
      ErrorCode code = actual == GrpcStatus.DEADLINE_EXCEEDED ? ErrorCode.RPC_TIMEOUT
          : actual == GrpcStatus.INVALID_ARGUMENT ? ErrorCode.INVALID_PARAMS : ErrorCode.RPC_FAIL;
      return new KvStoreException(code, method + " failed with gRPC status " + actual, failure);
    }
    boolean timedOut = failure instanceof java.util.concurrent.TimeoutException
        || String.valueOf(failure.getMessage()).toLowerCase().contains("timeout");
    return new KvStoreException(timedOut ? ErrorCode.RPC_TIMEOUT : ErrorCode.RPC_FAIL, method + " failed: " + failure,
        failure);
  }

  static io.kvcache.proto.v1.BufferRange range(BufferRange r) {
    return io.kvcache.proto.v1.BufferRange.newBuilder().setKey(r.key()).setOffset(r.offset()).setLength(r.length())
        .build();
  }

  /** The codes, unless every key was refused as ILLEGAL_CLIENT: then the node does not know the buffer (any more). */
  static Future<List<ErrorCode>> bound(RegisteredBuffer buffer, String method, List<ErrorCode> codes) {
    if (!codes.isEmpty() && codes.stream().allMatch(c -> c == ErrorCode.ILLEGAL_CLIENT)) {
      return Future.failedFuture(new KvStoreException(ErrorCode.ILLEGAL_CLIENT, method + ": the node does not know "
          + "buffer " + buffer.id() + " on this connection (unregistered, or the connection was re-established)"));
    }
    return Future.succeededFuture(codes);
  }

  Future<List<ErrorCode>> batchPut(List<String> keys, List<byte[]> values) {
    if (keys.size() != values.size()) {
      return Future.failedFuture(new IllegalArgumentException(keys.size() + " keys but " + values.size() + " values"));
    }
    if (keys.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return check("BatchPut", stub.batchPut((stream, failure) -> {
      if (failure == null) {
        new Object() {
          int next;

          void pump() {
            while (next < keys.size() && !stream.writeQueueFull()) {
              stream.write(chunkFrom(next));
            }
            if (next < keys.size()) {
              stream.drainHandler(ignored -> pump());
            } else {
              stream.end();
            }
          }

          long itemBytes(int i) {
            return (long) keys.get(i).length() * 3 + values.get(i).length; // a UTF-16 char is at most 3 UTF-8 bytes
          }

          /** Whole items from {@code first} up to CHUNK_BYTES (at least one). */
          BatchPutChunk chunkFrom(int first) {
            BatchPutChunk.Builder chunk = BatchPutChunk.newBuilder();
            if (first == 0) {
              chunk.setNamespace(namespace);
            }
            long bytes = 0;
            while (next < keys.size() && (next == first || bytes + itemBytes(next) <= CHUNK_BYTES)) {
              chunk.addItems(PutItem.newBuilder().setKey(keys.get(next)).setValue(ByteString.copyFrom(values.get(next))));
              bytes += itemBytes(next);
              next++;
            }
            return chunk.build();
          }
        }.pump();
      }
    })).map(reply -> List.copyOf(reply.getCodesList()));
  }

  Future<List<KeyValue>> batchGet(BatchGetRequest request, int count) {
    if (count == 0) {
      return Future.succeededFuture(List.of());
    }
    KeyValue[] items = new KeyValue[count];
    Arrays.fill(items, new KeyValue(ErrorCode.OBJECT_NOT_FOUND, new byte[0]));
    // Started on a context so the stream's handlers are attached the moment the call's future completes, on that
    // context, before any of its messages is delivered. Chained from a caller's own thread, a future that completed
    // already runs the chain later as a task of its own, and the reply's messages and end, delivered before it, were
    // lost: the call never ended (seen in tests whose calling thread competed for a busy CPU).
    Promise<Void> ended = Promise.promise();
    vertx.getOrCreateContext().runOnContext(ignored -> stub.batchGet(request).compose(stream -> collect(stream, chunk -> {
      for (GetItem item : chunk.getItemsList()) {
        if (item.getIndex() < count) {
          items[item.getIndex()] = new KeyValue(item.getCode(),
              item.getCode() == ErrorCode.OK ? item.getValue().toByteArray() : new byte[0]);
        }
      }
    })).onComplete(ended));
    return check("BatchGet", ended.future()).map(done -> new ArrayList<>(Arrays.asList(items)));
  }

  private static Future<Void> collect(ReadStream<BatchGetChunk> stream, io.vertx.core.Handler<BatchGetChunk> handler) {
    Promise<Void> ended = Promise.promise();
    stream.exceptionHandler(ended::tryFail);
    stream.endHandler(ignored -> ended.tryComplete());
    stream.handler(handler);
    return ended.future();
  }

}
