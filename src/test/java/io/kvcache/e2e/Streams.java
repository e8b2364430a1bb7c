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

  /** Collects every item of the BatchGet {@code call} starts (on a context of {@code vertx}: see {@link #onContext}). */
  static List<GetItem> items(Vertx vertx, java.util.function.Supplier<Future<ReadStream<BatchGetChunk>>> call) {
    List<GetItem> items = new ArrayList<>();
    io.kvcache.testing.TestNodes.await(onContext(vertx,
        () -> call.get().compose(stream -> consume(stream, chunk -> items.addAll(chunk.getItemsList())))));
    return items;
  }

  /**
   * Starts {@code call} on a context of {@code vertx} and returns what it completes with. A chain attached from a
   * test thread to a call's future that has already completed runs later, as its own task on the context; a stream's
   * first messages and its end may be delivered before that and be lost. Started on the context, the chain is attached
   * before the future can complete, and runs the moment it does, ahead of the stream's events.
   */
  static <T> Future<T> onContext(Vertx vertx, java.util.function.Supplier<Future<T>> call) {
    io.vertx.core.Promise<T> done = io.vertx.core.Promise.promise();
    vertx.getOrCreateContext().runOnContext(ignored -> call.get().onComplete(done));
    return done.future();
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
