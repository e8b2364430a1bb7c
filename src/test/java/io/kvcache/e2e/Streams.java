package io.kvcache.e2e;

import io.kvcache.proto.v1.BatchGetChunk;
import io.kvcache.proto.v1.BatchPutChunk;
import io.kvcache.proto.v1.GetItem;
import io.vertx.core.Completable;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/** Client-side stream helpers for tests: feed a BatchPut with backpressure, collect a BatchGet. */
final class Streams {
  private Streams() {}

  static Completable<WriteStream<BatchPutChunk>> of(Vertx vertx, List<BatchPutChunk> chunks) {
    return generated(vertx, chunks.size(), chunks::get);
  }

  /** Writes {@code count} chunks made on demand, waiting for drain when the stream is full (no chunk is built early). */
  static Completable<WriteStream<BatchPutChunk>> generated(Vertx vertx, int count, IntFunction<BatchPutChunk> chunk) {
    return (stream, failure) -> {
      if (failure != null) {
        return;
      }
      new Object() {
        int next;

        void pump() {
          while (next < count && !stream.writeQueueFull()) {
            stream.write(chunk.apply(next++));
          }
          if (next < count) {
            stream.drainHandler(ignored -> pump());
          } else {
            stream.end();
          }
        }
      }.pump();
    };
  }

  /** Collects every item; handlers are attached inside compose so they are set on the event loop before data flows. */
  static List<GetItem> items(Future<ReadStream<BatchGetChunk>> call) {
    List<GetItem> items = new ArrayList<>();
    io.kvcache.testing.TestNodes.await(
        call.compose(stream -> consume(stream, chunk -> items.addAll(chunk.getItemsList()))));
    return items;
  }

  /** Feeds every element to {@code handler}; completes when the stream ends, fails if it fails. */
  static <T> Future<Void> consume(ReadStream<T> stream, io.vertx.core.Handler<T> handler) {
    io.vertx.core.Promise<Void> ended = io.vertx.core.Promise.promise();
    stream.exceptionHandler(ended::tryFail);
    stream.endHandler(ignored -> ended.tryComplete());
    stream.handler(handler);
    return ended.future();
  }
}
