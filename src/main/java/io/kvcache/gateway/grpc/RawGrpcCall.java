package io.kvcache.gateway.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import io.vertx.grpc.common.GrpcStatus;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * One gRPC call served on the raw HTTP/2 request (see {@link FastPath}): its request messages as a {@link ReadStream}
 * (pause/resume reach the HTTP/2 stream, so flow control holds), and its response as a {@link WriteStream} of messages
 * closed with a gRPC status in the trailers.
 *
 * <p>Not thread-safe: lives on the connection's event loop.
 */
final class RawGrpcCall<Q extends MessageLite, R extends MessageLite> implements ReadStream<Q>, ResponseStream<R> {
  private final HttpServerRequest request;
  private final HttpServerResponse response;
  private final Parser<Q> parser;
  private final GrpcFraming.Deframer deframer;
  private Handler<Q> handler;
  private Handler<Void> endHandler;
  private boolean finished;

  RawGrpcCall(HttpServerRequest request, Parser<Q> parser, long maxMessageSize) {
    this.request = request;
    this.response = request.response();
    this.parser = parser;
    this.deframer = new GrpcFraming.Deframer(maxMessageSize, this::onMessage);
    request.handler(chunk -> {
      deframer.feed(chunk);
      if (deframer.error() != null) {
        fail(GrpcStatus.RESOURCE_EXHAUSTED, deframer.error());
      }
    });
    request.endHandler(ignored -> {
      if (finished) {
        return;
      }
      if (!deframer.atBoundary()) {
        fail(GrpcStatus.INVALID_ARGUMENT, "the request stream ended inside a message");
      } else if (endHandler != null) {
        endHandler.handle(null);
      }
    });
    request.exceptionHandler(failure -> finished = true);
    response.putHeader("content-type", "application/grpc");
  }

  /** The request's connection (the writer identity of two-phase puts). */
  io.vertx.core.http.HttpConnection connection() {
    return request.connection();
  }

  private void onMessage(byte[] bytes) {
    if (finished) {
      return;
    }
    Q message;
    try {
      message = GrpcFraming.parse(parser, bytes);
    } catch (InvalidProtocolBufferException e) {
      fail(GrpcStatus.INVALID_ARGUMENT, "malformed message: " + e.getMessage());
      return;
    }
    if (handler != null) {
      handler.handle(message);
    }
  }

  /** For a unary call: the single request message. */
  Future<Q> single() {
    Promise<Q> first = Promise.promise();
    handler(first::tryComplete);
    endHandler(ignored -> first.tryFail("no request message"));
    return first.future();
  }

  /** Sends one reply message and ends the call with OK. */
  void reply(R message) {
    if (!finished) {
      response.write(GrpcFraming.frame(message));
      end();
    }
  }

  /** Ends the call with a non-OK status (no further messages). */
  @Override
  public void fail(GrpcStatus status, String message) {
    if (finished) {
      return;
    }
    finished = true;
    response.putTrailer("grpc-status", String.valueOf(status.code));
    if (message != null && !message.isEmpty()) {
      response.putTrailer("grpc-message", URLEncoder.encode(message, StandardCharsets.UTF_8).replace("+", "%20"));
    }
    response.end();
    request.handler(null);
  }

  // ------------------------------------------------------------------------------------------- ReadStream<Q>

  @Override
  public RawGrpcCall<Q, R> handler(Handler<Q> handler) {
    this.handler = handler;
    return this;
  }

  @Override
  public RawGrpcCall<Q, R> endHandler(Handler<Void> endHandler) {
    this.endHandler = endHandler;
    return this;
  }

  @Override
  public RawGrpcCall<Q, R> exceptionHandler(Handler<Throwable> handler) {
    return this;
  }

  @Override
  public RawGrpcCall<Q, R> pause() {
    request.pause();
    return this;
  }

  @Override
  public RawGrpcCall<Q, R> resume() {
    request.resume();
    return this;
  }

  @Override
  public RawGrpcCall<Q, R> fetch(long amount) {
    request.fetch(amount);
    return this;
  }

  // ------------------------------------------------------------------------------------------ WriteStream<R>

  @Override
  public Future<Void> write(R message) {
    return finished ? Future.failedFuture("call finished") : response.write(GrpcFraming.frame(message));
  }

  @Override
  public Future<Void> end() {
    if (finished) {
      return Future.succeededFuture();
    }
    finished = true;
    response.putTrailer("grpc-status", "0");
    return response.end();
  }

  @Override
  public RawGrpcCall<Q, R> setWriteQueueMaxSize(int maxSize) {
    response.setWriteQueueMaxSize(maxSize);
    return this;
  }

  @Override
  public boolean writeQueueFull() {
    return response.writeQueueFull();
  }

  @Override
  public RawGrpcCall<Q, R> drainHandler(Handler<Void> handler) {
    response.drainHandler(handler);
    return this;
  }
}
