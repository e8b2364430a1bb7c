package io.kvcache.gateway.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.grpc.common.GrpcStatus;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * One gRPC call on one HTTP/2 stream: it turns the stream's DATA into request messages ({@link MessageDeframer}), runs
 * the method's single implementation by its kind, and writes the responses and the final status through its
 * {@link GrpcConnection}. Every call ends exactly once — with the method's status, INVALID_ARGUMENT for a request stream
 * that breaks the method's shape (no message or several for a unary call, a stream cut inside a message, a message that
 * does not parse), or CANCELLED when the client resets — and its end (or the stream's reset) releases everything it held:
 * request frames, held resources, queued responses.
 *
 * <p>Not thread-safe: lives on its connection's event loop; methods run on the gateway verticle's context, which is the
 * same thread.
 */
final class ServerCall<Q extends Message, R> implements CallContext, MessageStream<Q>, ResponseStream<R> {
  private final GrpcConnection connection;
  private final int streamId;
  private final GrpcMethod<Q, R> method;
  private final MessageDeframer deframer;
  private final boolean gzip;
  private final List<AutoCloseable> holds = new ArrayList<>();
  private final Map<Q, MessageDeframer.Frame> framesOf = new IdentityHashMap<>();
  private final ArrayDeque<Q> waiting = new ArrayDeque<>();
  private Q single;
  private int messages;
  private boolean halfClosed;
  private boolean clientDone;   // the client's END_STREAM arrived (set before the frame is processed)
  private boolean started;
  private boolean ended;
  private boolean paused;
  private int unconsumedBytes;
  private long lastProgressMs;
  private long queuedResponseBytes;   // charged to the connection's response budget, not yet written to the socket
  private long lastResponseProgressMs;
  private Handler<Q> messageHandler;
  private Handler<Void> endHandler;
  private Handler<Throwable> exceptionHandler;
  private Handler<Void> drainHandler;
  private Throwable abortCause; // why the transport ended the call, until the method has been told

  ServerCall(GrpcConnection connection, int streamId, GrpcMethod<Q, R> method, MessageDeframer deframer, boolean gzip,
             long nowMs) {
    this.connection = connection;
    this.streamId = streamId;
    this.method = method;
    this.deframer = deframer;
    this.gzip = gzip;
    this.lastProgressMs = nowMs;
  }

  String methodName() {
    return method.name();
  }

  int streamId() {
    return streamId;
  }

  long lastProgressMs() {
    return lastProgressMs;
  }

  boolean midMessage() {
    return deframer.midMessage();
  }

  boolean isEnded() {
    return ended;
  }

  long queuedResponseBytes() {
    return queuedResponseBytes;
  }

  long lastResponseProgressMs() {
    return lastResponseProgressMs;
  }

  /** Some of the queued reply was written, or the client opened the stream's window. */
  void onResponseProgress(long nowMs) {
    lastResponseProgressMs = nowMs;
  }

  // ------------------------------------------------------------------------------------------------------ inbound

  /** Streaming methods start with the stream; unary and server-streaming ones wait for its end. */
  void start() {
    switch (method) {
      case GrpcMethod.ClientStreaming<Q, R> m -> {
        started = true;
        connection.dispatch(() -> respondWith(invoke(() -> m.handler().handle(this, this))));
      }
      case GrpcMethod.BidiStreaming<Q, R> m -> {
        started = true;
        connection.dispatch(() -> m.handler().handle(this, this, this));
      }
      default -> { }
    }
  }

  /**
   * DATA arrived (not retained; valid only now). Returns how many of its bytes the connection may give back to the
   * client's flow-control window at once (the rest are given back on {@link #resume()}).
   */
  int onData(io.netty.buffer.ByteBuf data, int padding, boolean endOfStream, long nowMs) {
    int flowControlled = data.readableBytes() + padding;
    clientDone |= endOfStream;
    if (ended) {
      return flowControlled;
    }
    lastProgressMs = nowMs;
    deframer.feed(data, this::onFrame);
    if (ended) { // a message of this very DATA frame ended the call (one too many, or refused)
      return flowControlled;
    }
    if (deframer.failure() != null) {
      MessageDeframer.Failure f = deframer.failure();
      abort(f.status(), f.message());
      return flowControlled;
    }
    if (endOfStream) {
      onHalfClose();
    }
    if (paused) {
      unconsumedBytes += flowControlled;
      return 0;
    }
    return flowControlled;
  }

  private void onFrame(MessageDeframer.Frame frame) {
    if (ended) {
      frame.release();
      return;
    }
    if (frame.compressed && !gzip) {
      frame.release();
      abort(GrpcStatus.INTERNAL, "a compressed message without grpc-encoding");
      return;
    }
    @SuppressWarnings("unchecked")
    com.google.protobuf.Parser<Q> parser = (com.google.protobuf.Parser<Q>) method.requestPrototype().getParserForType();
    Q message;
    try {
      message = frame.compressed ? GrpcCodec.parseGzip(parser, frame.bytes, connection.limits().maxMessageSize())
          : GrpcCodec.parse(parser, frame.bytes);
    } catch (InvalidProtocolBufferException e) {
      frame.release();
      abort(GrpcStatus.INVALID_ARGUMENT, "malformed " + method.requestPrototype().getDescriptorForType().getName()
          + ": " + e.getMessage());
      return;
    } catch (GrpcCodec.TooLargeException e) {
      frame.release();
      abort(GrpcStatus.RESOURCE_EXHAUSTED, e.getMessage());
      return;
    }
    messages++;
    framesOf.put(message, frame);
    if (!started) { // unary or server-streaming: exactly one message, run at the end of the request stream
      if (messages > 1) {
        abort(GrpcStatus.INVALID_ARGUMENT, "a " + method.name() + " call carries exactly one request message");
        return;
      }
      single = message;
      return;
    }
    if (paused || messageHandler == null) {
      waiting.add(message);
    } else {
      Handler<Q> h = messageHandler;
      connection.dispatch(() -> h.handle(message));
    }
  }

  private void onHalfClose() {
    halfClosed = true;
    if (!deframer.atBoundary()) {
      abort(GrpcStatus.INVALID_ARGUMENT, "the request stream ended inside a message");
      return;
    }
    switch (method) {
      case GrpcMethod.Unary<Q, R> m -> {
        if (single == null) {
          abort(GrpcStatus.INVALID_ARGUMENT, "a " + method.name() + " call carries exactly one request message");
        } else {
          Q request = single;
          connection.dispatch(() -> respondWith(invoke(() -> m.handler().handle(this, request))));
        }
      }
      case GrpcMethod.ServerStreaming<Q, R> m -> {
        if (single == null) {
          abort(GrpcStatus.INVALID_ARGUMENT, "a " + method.name() + " call carries exactly one request message");
        } else {
          Q request = single;
          connection.dispatch(() -> m.handler().handle(this, request, this));
        }
      }
      default -> deliverEndIfDrained();
    }
  }

  private void deliverEndIfDrained() {
    if (halfClosed && waiting.isEmpty() && !paused && endHandler != null && !ended) {
      Handler<Void> h = endHandler;
      endHandler = null;
      connection.dispatch(() -> h.handle(null));
    }
  }

  // ---------------------------------------------------------------------------------------- MessageStream<Q>

  @Override
  public ServerCall<Q, R> handler(Handler<Q> handler) {
    this.messageHandler = handler;
    drainWaiting();
    return this;
  }

  @Override
  public ServerCall<Q, R> endHandler(Handler<Void> handler) {
    this.endHandler = handler;
    deliverEndIfDrained();
    return this;
  }

  /**
   * Told once if the call ends without the method ending it: the client cancels (resets the stream, or the connection
   * closes), or the transport fails the call (a request stream cut inside a message, a malformed or over-budget message,
   * a stalled message). The method then releases what it holds; its own later result is dropped.
   */
  @Override
  public ServerCall<Q, R> exceptionHandler(Handler<Throwable> handler) {
    this.exceptionHandler = handler;
    if (abortCause != null) {
      notifyAborted(abortCause);
    }
    return this;
  }

  @Override
  public ServerCall<Q, R> pause() {
    paused = true;
    return this;
  }

  @Override
  public ServerCall<Q, R> resume() {
    if (paused) {
      paused = false;
      if (unconsumedBytes > 0 && !ended) {
        connection.consume(streamId, unconsumedBytes);
      }
      unconsumedBytes = 0;
      drainWaiting();
    }
    return this;
  }

  @Override
  public ServerCall<Q, R> fetch(long amount) {
    return resume();
  }

  private void drainWaiting() {
    while (!paused && messageHandler != null && !waiting.isEmpty() && !ended) {
      Q next = waiting.poll();
      messageHandler.handle(next);
    }
    deliverEndIfDrained();
  }

  @Override
  public void release(Q message) {
    MessageDeframer.Frame frame = framesOf.remove(message);
    if (frame != null) {
      frame.release();
    }
  }

  // ------------------------------------------------------------------------------------------------ CallContext

  @Override
  public ClientConnection connection() {
    return connection;
  }

  @Override
  public void hold(AutoCloseable resource) {
    if (ended) {
      closeQuietly(resource);
    } else {
      holds.add(resource);
    }
  }

  // ------------------------------------------------------------------------------------------ ResponseStream<R>

  private Future<R> invoke(java.util.function.Supplier<Future<R>> body) {
    try {
      return body.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  private void respondWith(Future<R> reply) {
    reply.onComplete(ar -> connection.onLoop(() -> {
      if (ar.succeeded()) {
        write(ar.result());
        end();
      } else {
        GrpcFailures.Failure f = GrpcFailures.of(method.name(), ar.cause());
        fail(f.status(), f.message());
      }
    }));
  }

  @Override
  public Future<Void> write(R response) {
    if (ended) {
      method.encoder().discard(response);
      return Future.failedFuture("the call has ended");
    }
    io.netty.buffer.ByteBuf frame = method.encoder().encode(connection.alloc(), response);
    int size = frame.readableBytes();
    if (!connection.reserveResponse(size)) {
      frame.release();
      String why = "the connection has too many response bytes queued unsent (its client does not read them)";
      abort(GrpcStatus.RESOURCE_EXHAUSTED, why);
      return Future.failedFuture(why);
    }
    if (queuedResponseBytes == 0) {
      lastResponseProgressMs = System.nanoTime() / 1_000_000;
    }
    queuedResponseBytes += size;
    Promise<Void> written = Promise.promise();
    // Written to the socket, or dropped (the stream reset, the connection closed): either way no longer queued.
    written.future().onComplete(ar -> {
      queuedResponseBytes -= size;
      onResponseProgress(System.nanoTime() / 1_000_000);
      connection.releaseResponse(size);
    });
    connection.writeMessage(streamId, frame, written);
    return written.future();
  }

  @Override
  public Future<Void> end() {
    if (!ended) {
      ended = true;
      connection.writeStatus(streamId, GrpcStatus.OK, null, clientDone);
      releaseRequestSide();
    }
    return Future.succeededFuture();
  }

  @Override
  public void fail(GrpcStatus status, String message) {
    if (!ended) {
      ended = true;
      connection.writeStatus(streamId, status, message, clientDone);
      releaseRequestSide();
    }
  }

  /** Ends the call for a reason of the transport's (not the method's) and tells the method so. */
  void abort(GrpcStatus status, String message) {
    if (!ended) {
      fail(status, message);
      notifyAborted(new io.vertx.grpc.server.StatusException(status, message));
    }
  }

  private void notifyAborted(Throwable why) {
    Handler<Throwable> h = exceptionHandler;
    if (h == null) {
      abortCause = why;
      return;
    }
    exceptionHandler = null;
    abortCause = null;
    connection.dispatch(() -> h.handle(why));
  }

  @Override
  public ServerCall<Q, R> setWriteQueueMaxSize(int maxSize) {
    return this; // the HTTP/2 flow-control window decides
  }

  @Override
  public boolean writeQueueFull() {
    return !ended && !connection.isWritable(streamId);
  }

  @Override
  public ServerCall<Q, R> drainHandler(Handler<Void> handler) {
    this.drainHandler = handler;
    return this;
  }

  /** The stream became writable again (its window opened, or the socket drained). */
  void onWritable() {
    Handler<Void> h = drainHandler;
    if (h != null && !ended && connection.isWritable(streamId)) {
      drainHandler = null;
      connection.dispatch(() -> h.handle(null));
    }
  }

  // ------------------------------------------------------------------------------------------------------- end

  /** The HTTP/2 stream is gone (ended, reset by the client, or the connection closed): release everything. */
  void onStreamClosed() {
    boolean cancelled = !ended;
    ended = true;
    releaseRequestSide();
    for (AutoCloseable h : holds) {
      closeQuietly(h);
    }
    holds.clear();
    if (cancelled) {
      notifyAborted(new CancelledException());
    }
  }

  private void releaseRequestSide() {
    deframer.discard();
    framesOf.values().forEach(MessageDeframer.Frame::release);
    framesOf.clear();
    waiting.clear();
    single = null;
  }

  private static void closeQuietly(AutoCloseable resource) {
    try {
      resource.close();
    } catch (Exception ignored) {
      // releasing a buffer or a lease does not fail in a way the call could act on
    }
  }

  /** The client reset the stream or the connection closed before the call ended. */
  static final class CancelledException extends RuntimeException {
    CancelledException() {
      super("the call was cancelled by the client", null, false, false);
    }
  }
}
