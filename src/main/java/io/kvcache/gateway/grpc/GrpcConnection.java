package io.kvcache.gateway.grpc;

import io.kvcache.util.Tokens;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2RemoteFlowController;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import io.vertx.grpc.common.GrpcStatus;

import io.netty.channel.epoll.EpollDomainSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * One client connection served as gRPC over HTTP/2 by Netty itself, inside a Vert.x {@link NetSocket}: Netty's HTTP/2
 * codec and this connection sit before Vert.x's handler, so request DATA reaches {@link ServerCall}s as slices of the
 * receive buffers (no copy to the heap) and responses leave as pooled direct buffers. The connection enforces the
 * {@link TransportLimits}: concurrent streams, header size, frame size, a budget of held request bytes, an idle timeout,
 * a timeout on a request message that stops growing, a budget of response bytes queued unsent (a client that does not
 * read cannot make the node hold its replies without bound) and a timeout on a reply that stops draining. Methods run
 * on the gateway verticle's context (its event loop, which is also this connection's).
 *
 * <p>Not thread-safe: used on its channel's event loop only ({@link #onLoop} hops there).
 */
public final class GrpcConnection extends Http2FrameAdapter implements ClientConnection {
  private static final AsciiString CONTENT_TYPE = AsciiString.cached("content-type");
  private static final AsciiString GRPC = AsciiString.cached("application/grpc");
  private static final AsciiString GRPC_ENCODING = AsciiString.cached("grpc-encoding");
  private static final AsciiString GRPC_ACCEPT_ENCODING = AsciiString.cached("grpc-accept-encoding");
  private static final AsciiString ACCEPTED_ENCODINGS = AsciiString.cached("identity,gzip");
  private static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
  private static final AsciiString GRPC_MESSAGE = AsciiString.cached("grpc-message");

  private final ContextInternal context;
  private final GrpcServices services;
  private final TransportLimits limits;
  private final BufferBudget budget;
  private final BufferBudget responseBudget;
  private final long clientId = Tokens.random64();
  private final IntObjectHashMap<ServerCall<?, ?>> calls = new IntObjectHashMap<>();
  private final IntObjectHashMap<Boolean> headersSent = new IntObjectHashMap<>();
  private ChannelHandlerContext ctx;
  private Http2ConnectionHandler http2;
  private ScheduledFuture<?> messageTimer;
  private final List<Runnable> closeHooks = new ArrayList<>();
  private boolean closed;

  private GrpcConnection(ContextInternal context, GrpcServices services, TransportLimits limits, BufferBudget budget,
                         BufferBudget responseBudget) {
    this.context = context;
    this.services = services;
    this.limits = limits;
    this.budget = budget;
    this.responseBudget = responseBudget;
  }

  /** Takes over {@code socket}'s pipeline; call from the server's connect handler (before any byte was read). */
  public static GrpcConnection install(NetSocket socket, ContextInternal context, GrpcServices services,
                                       TransportLimits limits, NodeBudgets nodeBudgets) {
    GrpcConnection connection = new GrpcConnection(context, services, limits,
        new BufferBudget(limits.connectionBufferBytes(), nodeBudgets.requestBytes()),
        new BufferBudget(limits.connectionBufferBytes(), nodeBudgets.responseBytes()));
    Http2Settings settings = new Http2Settings().maxConcurrentStreams(limits.maxConcurrentStreams())
        .maxHeaderListSize(limits.maxHeaderListSize()).initialWindowSize(limits.streamWindow())
        .maxFrameSize(limits.maxFrameSize());
    Http2ConnectionHandler http2 = new Http2ConnectionHandlerBuilder().server(true).frameListener(connection)
        .initialSettings(settings).gracefulShutdownTimeoutMillis(5_000)
        .decoderEnforceMaxConsecutiveEmptyDataFrames(2)
        .decoderEnforceMaxRstFramesPerWindow(200, 30).encoderEnforceMaxRstFramesPerWindow(200, 30).build();
    // Enforced from the first stream on, not only once the client acknowledged our SETTINGS.
    http2.connection().remote().maxActiveStreams(limits.maxConcurrentStreams());
    ChannelPipeline pipeline = ((NetSocketInternal) socket).channelHandlerContext().pipeline();
    pipeline.addBefore("handler", "kv-idle", new IdleStateHandler(0, 0, limits.idleTimeoutMs(), TimeUnit.MILLISECONDS));
    pipeline.addBefore("handler", "kv-h2", http2);
    // One write syscall for all that is written while a read is processed (a unary reply's headers, message and
    // trailers, and those of every other call the read completed), and one per event-loop turn otherwise: on this
    // machine kind a syscall costs more than the bytes of a small reply.
    pipeline.addBefore("kv-h2", "kv-flush", new FlushConsolidationHandler(256, true));
    pipeline.addBefore("handler", "kv-grpc", connection.events());
    // Large writes in few frames and syscalls: the socket counts as full only past 4 MiB queued (Netty's default: 64 KiB).
    pipeline.channel().config().setWriteBufferWaterMark(new io.netty.channel.WriteBufferWaterMark(1 << 20, 4 << 20));
    connection.attach(pipeline.context(http2), http2);
    return connection;
  }

  private void attach(ChannelHandlerContext ctx, Http2ConnectionHandler http2) {
    this.ctx = ctx;
    this.http2 = http2;
    http2.connection().addListener(new Http2ConnectionAdapter() {
      @Override
      public void onStreamClosed(Http2Stream stream) {
        headersSent.remove(stream.id());
        ServerCall<?, ?> call = calls.remove(stream.id());
        if (call != null) {
          call.onStreamClosed();
        }
      }
    });
    http2.encoder().flowController().listener(new Http2RemoteFlowController.Listener() {
      @Override
      public void writabilityChanged(Http2Stream stream) {
        ServerCall<?, ?> call = calls.get(stream.id());
        if (call != null) {
          call.onWritable();
        }
      }
    });
    long every = Math.max(10, limits.messageTimeoutMs() / 4);
    messageTimer = ctx.executor().scheduleAtFixedRate(this::expireStalledMessages, every, every, TimeUnit.MILLISECONDS);
    if (ctx.channel().isActive()) {
      widenConnectionWindow();
    }
  }

  /** The connection-level window starts at 64 KiB; open it to the configured size (after our SETTINGS went out). */
  private void widenConnectionWindow() {
    Http2Stream connectionStream = http2.connection().connectionStream();
    int now = http2.connection().local().flowController().windowSize(connectionStream);
    if (limits.connectionWindow() > now) {
      try {
        http2.connection().local().flowController().incrementWindowSize(connectionStream, limits.connectionWindow() - now);
        flush();
      } catch (io.netty.handler.codec.http2.Http2Exception e) {
        ctx.close();
      }
    }
  }

  @Override
  public long id() {
    return clientId;
  }

  @Override
  public OptionalInt peerUid() {
    return ctx.channel() instanceof EpollDomainSocketChannel unix && unix.isActive()
        ? OptionalInt.of(peerUidOf(unix)) : OptionalInt.empty();
  }

  private static int peerUidOf(EpollDomainSocketChannel unix) {
    try {
      return unix.peerCredentials().uid();
    } catch (java.io.IOException e) {
      return -1;
    }
  }

  @Override
  public void onClose(Runnable onClose) {
    onLoop(() -> {
      if (closed) {
        onClose.run();
      } else {
        closeHooks.add(onClose);
      }
    });
  }

  TransportLimits limits() {
    return limits;
  }

  ByteBufAllocator alloc() {
    return ctx.alloc();
  }

  /** Held request bytes of this connection (for tests and metrics). */
  public long heldBytes() {
    return budget.heldBytes();
  }

  /** Takes {@code bytes} of a response about to be queued from the connection's budget; false if it has no room. */
  boolean reserveResponse(long bytes) {
    return responseBudget.tryTake(bytes);
  }

  /** Gives back the budget of a queued response once it was written to the socket, or dropped. */
  void releaseResponse(long bytes) {
    responseBudget.giveBack(bytes);
  }

  /**
   * Writes what is queued: through the HTTP/2 handler's own flush, which first hands the flow controller's pending DATA
   * to the channel ({@code ctx.flush()} from its context would skip it and leave queued data unsent).
   */
  private void flush() {
    http2.flush(ctx);
  }

  /** Runs application code on the gateway's context (so Vert.x futures and event-bus replies come back to it). */
  void dispatch(Runnable body) {
    context.dispatch(null, ignored -> body.run());
  }

  /** Runs {@code body} on this connection's event loop (at once if already there). */
  void onLoop(Runnable body) {
    if (ctx.executor().inEventLoop()) {
      body.run();
    } else {
      ctx.executor().execute(body);
    }
  }

  // ------------------------------------------------------------------------------------------------ frame listener

  @Override
  public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
                            short weight, boolean exclusive, int padding, boolean endOfStream) {
    onHeadersRead(ctx, streamId, headers, padding, endOfStream);
  }

  @Override
  public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
                            boolean endOfStream) {
    ServerCall<?, ?> existing = calls.get(streamId);
    if (existing != null) { // request trailers: only the end of the stream matters
      if (endOfStream) {
        existing.onData(Unpooled.EMPTY_BUFFER, 0, true, nowMs());
      }
      return;
    }
    String refusal = refusal(headers);
    if (refusal != null) {
      GrpcStatus status = refusal.startsWith("unknown method") ? GrpcStatus.UNIMPLEMENTED
          : refusal.startsWith("unsupported") ? GrpcStatus.UNIMPLEMENTED : GrpcStatus.INVALID_ARGUMENT;
      writeStatus(streamId, status, refusal, endOfStream);
      return;
    }
    CharSequence encoding = headers.get(GRPC_ENCODING);
    GrpcMethod<?, ?> method = services.find(String.valueOf(headers.path()));
    ServerCall<?, ?> call = newCall(streamId, method, encoding != null && AsciiString.contentEquals(encoding, "gzip"));
    calls.put(streamId, call);
    call.start();
    if (endOfStream) {
      call.onData(Unpooled.EMPTY_BUFFER, 0, true, nowMs());
    }
  }

  private <Q extends com.google.protobuf.Message, R> ServerCall<Q, R> newCall(int streamId, GrpcMethod<Q, R> method,
                                                                            boolean gzip) {
    return new ServerCall<>(this, streamId, method,
        new MessageDeframer(ctx.alloc(), budget, limits.maxMessageSize()), gzip, nowMs());
  }

  /** Why a request cannot be served, or null: not a POST, not gRPC protobuf, an unknown method or encoding. */
  private String refusal(Http2Headers headers) {
    if (!AsciiString.contentEquals("POST", headers.method())) {
      return "gRPC calls are POSTs";
    }
    CharSequence type = headers.get(CONTENT_TYPE);
    if (type == null || !(AsciiString.contentEquals(type, GRPC) || AsciiString.contentEquals(type, "application/grpc+proto"))) {
      return "unsupported content-type " + type + " (only application/grpc with protobuf is served)";
    }
    CharSequence encoding = headers.get(GRPC_ENCODING);
    if (encoding != null && !AsciiString.contentEquals(encoding, "identity") && !AsciiString.contentEquals(encoding, "gzip")) {
      return "unsupported grpc-encoding " + encoding + " (identity and gzip are accepted)";
    }
    if (services.find(String.valueOf(headers.path())) == null) {
      return "unknown method " + headers.path();
    }
    return null;
  }

  /** The client made room for more of a stream's reply: progress, for the stalled-reply timeout. */
  @Override
  public void onWindowUpdateRead(ChannelHandlerContext ctx, int streamId, int windowSizeIncrement) {
    ServerCall<?, ?> call = streamId == 0 ? null : calls.get(streamId);
    if (call != null) {
      call.onResponseProgress(nowMs());
    }
  }

  @Override
  public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) {
    ServerCall<?, ?> call = calls.get(streamId);
    if (call == null) {
      return data.readableBytes() + padding; // a refused or finished call: drop what still arrives
    }
    return call.onData(data, padding, endOfStream, nowMs());
  }

  // ------------------------------------------------------------------------------------------------------ writing

  private Http2Headers responseHeaders() {
    return new DefaultHttp2Headers().status("200").set(CONTENT_TYPE, GRPC)
        .set(GRPC_ACCEPT_ENCODING, ACCEPTED_ENCODINGS);
  }

  /** Writes one framed response message on the stream (its headers first if not yet sent). */
  void writeMessage(int streamId, ByteBuf frame, Promise<Void> written) {
    if (headersSent.get(streamId) == null) {
      headersSent.put(streamId, Boolean.TRUE);
      http2.encoder().writeHeaders(ctx, streamId, responseHeaders(), 0, false, ctx.newPromise());
    }
    http2.encoder().writeData(ctx, streamId, frame, 0, false, ctx.newPromise().addListener(f -> {
      if (f.isSuccess()) {
        written.tryComplete();
      } else {
        written.tryFail(f.cause());
      }
    }));
    flush();
  }

  /**
   * Ends the stream with a gRPC status (trailers, or a trailers-only response); resets it too if the client has not
   * finished sending ({@code clientDone} false), so the stream and what it holds go now.
   */
  void writeStatus(int streamId, GrpcStatus status, String message, boolean clientDone) {
    Http2Headers trailers = headersSent.get(streamId) == null ? responseHeaders() : new DefaultHttp2Headers();
    trailers.set(GRPC_STATUS, String.valueOf(status.code));
    if (message != null && !message.isEmpty()) {
      trailers.set(GRPC_MESSAGE, StatusMessage.encode(message));
    }
    headersSent.put(streamId, Boolean.TRUE);
    http2.encoder().writeHeaders(ctx, streamId, trailers, 0, true, ctx.newPromise());
    if (!clientDone) {
      http2.encoder().writeRstStream(ctx, streamId, Http2Error.CANCEL.code(), ctx.newPromise());
    }
    flush();
  }

  boolean isWritable(int streamId) {
    Http2Stream stream = http2.connection().stream(streamId);
    return stream != null && http2.encoder().flowController().isWritable(stream) && ctx.channel().isWritable();
  }

  /** Gives {@code bytes} of a paused stream back to the client's window now that they are processed. */
  void consume(int streamId, int bytes) {
    Http2Stream stream = http2.connection().stream(streamId);
    if (stream != null) {
      try {
        http2.decoder().flowController().consumeBytes(stream, bytes);
        flush();
      } catch (io.netty.handler.codec.http2.Http2Exception e) {
        ctx.fireExceptionCaught(e);
      }
    }
  }

  // ------------------------------------------------------------------------------------------------- timeouts

  /**
   * Fails calls whose request message stopped growing, and resets those whose queued reply stopped draining (nothing
   * of it written and no window update for the stream in the message timeout): a client that stopped reading. Its
   * status could not reach it either (trailers queue behind the reply); the reset drops the queued reply and the call
   * releases what it held.
   */
  private void expireStalledMessages() {
    long now = nowMs();
    for (ServerCall<?, ?> call : new ArrayList<>(calls.values())) {
      if (!call.isEnded() && call.midMessage() && now - call.lastProgressMs() > limits.messageTimeoutMs()) {
        call.abort(GrpcStatus.DEADLINE_EXCEEDED, "no request bytes for " + limits.messageTimeoutMs()
            + " ms inside a message");
      } else if (call.queuedResponseBytes() > 0 && now - call.lastResponseProgressMs() > limits.messageTimeoutMs()) {
        http2.encoder().writeRstStream(ctx, call.streamId(), Http2Error.CANCEL.code(), ctx.newPromise());
        flush();
      }
    }
  }

  private static long nowMs() {
    return System.nanoTime() / 1_000_000;
  }

  /** The handler after HTTP/2: socket writability, idleness, errors and the end of the connection. */
  private ChannelDuplexHandler events() {
    return new ChannelDuplexHandler() {
      @Override
      public void channelActive(ChannelHandlerContext c) throws Exception {
        widenConnectionWindow();
        super.channelActive(c);
      }

      @Override
      public void channelRead(ChannelHandlerContext c, Object msg) {
        ReferenceCountUtil.release(msg); // HTTP/2 consumes every byte; nothing is meant for Vert.x's handler
      }

      @Override
      public void channelWritabilityChanged(ChannelHandlerContext c) throws Exception {
        if (c.channel().isWritable()) {
          for (ServerCall<?, ?> call : new ArrayList<>(calls.values())) {
            call.onWritable();
          }
        }
        super.channelWritabilityChanged(c);
      }

      @Override
      public void userEventTriggered(ChannelHandlerContext c, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
          if (calls.isEmpty()) {
            c.close(); // through HTTP/2: a GOAWAY first
          }
          return; // Vert.x would close even a busy connection
        }
        super.userEventTriggered(c, evt);
      }

      @Override
      public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
        TransportLog.clientFault("connection error", cause);
        c.close();
      }

      @Override
      public void channelInactive(ChannelHandlerContext c) throws Exception {
        if (messageTimer != null) {
          messageTimer.cancel(false);
        }
        super.channelInactive(c); // HTTP/2 closed every stream before this: the calls released what they held
        closed = true;
        List<Runnable> hooks = new ArrayList<>(closeHooks);
        closeHooks.clear();
        hooks.forEach(hook -> dispatch(hook));
      }
    };
  }
}
