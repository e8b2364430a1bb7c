package io.kvcache.gateway.grpc;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2FrameLogger;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.logging.LogLevel;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/2 client that sends whatever frames a test asks for — headers of any content type and size, DATA cut anywhere,
 * resets, raw bytes that are no frame at all — over TCP or a Unix socket, and records what the server answers per
 * stream: the gRPC status (from trailers or a trailers-only reply), a reset, or the connection's end; and how many
 * statuses and resets each stream got (a call must end exactly once). Only gRPC's shape is known here, not its rules.
 *
 * <p>Thread-safe: writes hop to the channel's event loop; results are futures and atomic counters.
 */
public final class RawH2Client implements AutoCloseable {
  /** A system property: {@code -Drawh2.frames=true} logs every frame sent and received (at WARNING, logger "rawh2"). */
  public static final String FRAME_LOG_PROPERTY = "rawh2.frames";

  /** {@link Outcome#resetCode} of a stream that was still open when the connection ended. */
  public static final long CONNECTION_CLOSED = -2;

  /**
   * What the server answered on one stream: the gRPC status (from trailers or a trailers-only reply; -1 if none), a
   * reset ({@code resetCode} >= 0) or the connection's end ({@link #CONNECTION_CLOSED}); {@code httpStatus} is the
   * {@code :status} of the first response headers (null if none came).
   */
  public record Outcome(int grpcStatus, String grpcMessage, byte[] body, long resetCode, String httpStatus) {
    public boolean reset() {
      return resetCode >= 0;
    }

    public boolean connectionClosed() {
      return resetCode == CONNECTION_CLOSED;
    }
  }

  private final EventLoopGroup group;
  private final Channel channel;
  private final Http2ConnectionHandler http2;
  private final Map<Integer, StreamState> streams = new ConcurrentHashMap<>();
  private final CompletableFuture<Long> goAway = new CompletableFuture<>();
  private final AtomicInteger resetsReceived = new AtomicInteger();
  private volatile String closeReason = "open";

  private static final class StreamState {
    final ByteArrayOutputStream body = new ByteArrayOutputStream();
    final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    final AtomicInteger statuses = new AtomicInteger();
    final AtomicInteger resets = new AtomicInteger();
    volatile String httpStatus;
  }

  /** A client whose streams may receive 16 MiB ahead of what it consumed. */
  public static final int DEFAULT_WINDOW = 16 << 20;

  public RawH2Client(String host, int port) throws InterruptedException {
    this(host, port, DEFAULT_WINDOW);
  }

  /** A TCP client whose streams may receive {@code window} bytes ahead (a small one makes a slow reader). */
  public RawH2Client(String host, int port, int window) throws InterruptedException {
    this(NioIoHandler.newFactory(), NioSocketChannel.class, new InetSocketAddress(host, port), window);
  }

  /** A client of the node's Unix socket (needs the epoll transport, as the node does). */
  public static RawH2Client unix(String path) throws InterruptedException {
    return unix(path, DEFAULT_WINDOW);
  }

  public static RawH2Client unix(String path, int window) throws InterruptedException {
    return new RawH2Client(EpollIoHandler.newFactory(), EpollDomainSocketChannel.class, new DomainSocketAddress(path),
        window);
  }

  private RawH2Client(IoHandlerFactory ioHandlers, Class<? extends Channel> channelType, SocketAddress address,
                      int window) throws InterruptedException {
    group = new MultiThreadIoEventLoopGroup(1, ioHandlers);
    Listener listener = new Listener();
    // Closing drops the connection at once, as a client that dies does (no graceful wait for open streams).
    Http2ConnectionHandlerBuilder builder = new Http2ConnectionHandlerBuilder().server(false).frameListener(listener)
        .gracefulShutdownTimeoutMillis(0).initialSettings(new Http2Settings().initialWindowSize(window));
    // The frame logger sees every frame; it records the GOAWAY this client sends on a connection error it detected
    // (why the connection ended), and logs every frame both ways if asked (for replaying one fuzz input by hand).
    boolean logFrames = Boolean.getBoolean(FRAME_LOG_PROPERTY);
    builder.frameLogger(new Http2FrameLogger(logFrames ? LogLevel.WARN : LogLevel.TRACE, "rawh2") {
      @Override
      public void logGoAway(Direction direction, ChannelHandlerContext ctx, int lastStreamId, long errorCode,
                            ByteBuf debugData) {
        if (direction == Direction.OUTBOUND && errorCode != 0) {
          closeReason = "GOAWAY " + errorCode + " from this client: " + debugData.toString(StandardCharsets.UTF_8);
        }
        super.logGoAway(direction, ctx, lastStreamId, errorCode, debugData);
      }
    });
    http2 = builder.build();
    channel = new Bootstrap().group(group).channel(channelType)
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(http2, new ChannelInboundHandlerAdapter() {
              @Override
              public void channelInactive(ChannelHandlerContext ctx) {
                streams.values().forEach(s -> s.outcome.complete(
                    new Outcome(-1, "connection closed", s.body.toByteArray(), CONNECTION_CLOSED, s.httpStatus)));
                goAway.completeExceptionally(new IllegalStateException("closed without GOAWAY"));
              }

              @Override
              public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                closeReason = "client exception: " + cause;
                ctx.close(); // a connection the server broke is simply over for this client
              }
            });
          }
        }).connect(address).sync().channel();
  }

  /** Opens a stream with POST headers for {@code path}; {@code extra} are more headers (name, value, ...). */
  public int start(String path, String contentType, boolean endStream, String... extra) {
    Http2Headers headers = new DefaultHttp2Headers().method("POST").scheme("http").authority("127.0.0.1").path(path);
    if (contentType != null) {
      headers.set("content-type", contentType);
    }
    headers.set("te", "trailers");
    for (int i = 0; i + 1 < extra.length; i += 2) {
      headers.set(extra[i], extra[i + 1]);
    }
    return start(headers, endStream);
  }

  /**
   * Opens a stream with exactly {@code headers} (any method, any or no path, any size: the server's advertised header
   * list size is ignored, as a hostile client would).
   */
  public int start(Http2Headers headers, boolean endStream) {
    return onLoop(() -> {
      // Ignores the server's SETTINGS_MAX_CONCURRENT_STREAMS and header list size: the server must enforce them.
      http2.connection().local().maxActiveStreams(Integer.MAX_VALUE);
      http2.encoder().configuration().headersConfiguration().maxHeaderListSize(Http2CodecUtil.MAX_HEADER_LIST_SIZE);
      int id = http2.connection().local().incrementAndGetNextStreamId();
      StreamState state = new StreamState();
      streams.put(id, state);
      if (ctx() == null) { // the connection is gone (its handlers removed): so is the call
        state.outcome.complete(new Outcome(-1, "connection closed", new byte[0], CONNECTION_CLOSED, null));
        return id;
      }
      http2.encoder().writeHeaders(ctx(), id, headers, 0, endStream, ctx().newPromise());
      http2.flush(ctx());
      return id;
    });
  }

  /** Sends {@code bytes} as DATA on the stream (flow control permitting). */
  public void data(int streamId, byte[] bytes, boolean endStream) {
    frames(streamId, List.of(bytes), endStream);
  }

  /**
   * Sends each of {@code pieces} as a DATA frame of its own (each flushed before the next is queued: Netty merges DATA
   * queued together into one frame); the last ends the stream if asked.
   */
  public void frames(int streamId, List<byte[]> pieces, boolean endStream) {
    onLoop(() -> {
      for (int i = 0; i < pieces.size() && ctx() != null; i++) {
        boolean end = endStream && i == pieces.size() - 1;
        if (pieces.get(i).length == 0 && !end) {
          // Netty's flow controller never sends an empty DATA frame that does not end its stream: write it directly
          // (it carries no bytes, so flow control has nothing to account), while the stream is open on our side.
          Http2Stream stream = http2.connection().stream(streamId);
          if (stream != null && stream.state().localSideOpen()) {
            http2.encoder().frameWriter().writeData(ctx(), streamId, Unpooled.EMPTY_BUFFER, 0, false, ctx().newPromise());
          }
        } else {
          http2.encoder().writeData(ctx(), streamId, Unpooled.wrappedBuffer(pieces.get(i)), 0, end, ctx().newPromise());
        }
        http2.flush(ctx());
      }
      return null;
    });
  }

  /**
   * Ends the stream with request trailers (a HEADERS frame with END_STREAM after the data), unless the stream is already
   * over on our side (the server may have answered and reset it): Netty would take HEADERS on a stream it no longer
   * knows for a new stream, behind the ids already used, and fail the whole connection.
   */
  public void trailers(int streamId) {
    onLoop(() -> {
      Http2Stream stream = http2.connection().stream(streamId);
      if (ctx() == null || stream == null || !stream.state().localSideOpen()) {
        return null;
      }
      http2.encoder().writeHeaders(ctx(), streamId, new DefaultHttp2Headers().set("x-trailer", "1"), 0, true,
          ctx().newPromise());
      http2.flush(ctx());
      return null;
    });
  }

  /** Resets the stream (CANCEL), as a client that gives up does. */
  public void reset(int streamId) {
    onLoop(() -> {
      if (ctx() == null) {
        return null;
      }
      http2.encoder().writeRstStream(ctx(), streamId, Http2Error.CANCEL.code(), ctx().newPromise());
      http2.flush(ctx());
      return null;
    });
  }

  /**
   * Writes {@code bytes} to the connection as they are, past the HTTP/2 codec (frames it would never send, or no frames
   * at all).
   */
  public void raw(byte[] bytes) {
    onLoop(() -> {
      if (ctx() == null) {
        return null;
      }
      ctx().writeAndFlush(Unpooled.wrappedBuffer(bytes));
      return null;
    });
  }

  /** A client stream id this client will never use itself (for raw frames). */
  public int reserveStreamId() {
    return onLoop(() -> http2.connection().local().incrementAndGetNextStreamId());
  }

  /** How the server ended the stream, waiting at most {@code seconds}. */
  public Outcome outcome(int streamId, long seconds) throws Exception {
    return streams.get(streamId).outcome.get(seconds, TimeUnit.SECONDS);
  }

  /** How the server ended the stream, waiting until {@code deadlineNanos} (System.nanoTime); null if it did not. */
  public Outcome outcomeBy(int streamId, long deadlineNanos) throws InterruptedException {
    try {
      long left = Math.max(0, deadlineNanos - System.nanoTime());
      return streams.get(streamId).outcome.get(left, TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      return null;
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The stream's outcome if it has one now, else null. */
  public Outcome outcomeNow(int streamId) {
    return streams.get(streamId).outcome.getNow(null);
  }

  /** gRPC statuses (trailers or trailers-only replies) the stream received so far: a call ends exactly once. */
  public int statusesReceived(int streamId) {
    return streams.get(streamId).statuses.get();
  }

  /** RST_STREAM frames the stream received so far. */
  public int resetsReceived(int streamId) {
    return streams.get(streamId).resets.get();
  }

  /** RST_STREAM frames this connection received so far. */
  public int resetsReceived() {
    return resetsReceived.get();
  }

  public boolean isOpen() {
    return channel.isActive();
  }

  /** The error code of the server's GOAWAY, waiting at most {@code seconds}. */
  public long goAway(long seconds) throws Exception {
    return goAway.get(seconds, TimeUnit.SECONDS);
  }

  /** The error code of the server's GOAWAY if one came, else -1. */
  public long goAwayNow() {
    return goAway.isDone() && !goAway.isCompletedExceptionally() ? goAway.join() : -1;
  }

  /** Why the connection ended: the server's GOAWAY (code and debug text), an exception here, or "open". */
  public String closeReason() {
    return closeReason;
  }

  /** Waits until the connection is closed, at most until {@code deadlineNanos}; true if it is. */
  public boolean awaitClosed(long deadlineNanos) {
    long left = Math.max(0, deadlineNanos - System.nanoTime());
    return channel.closeFuture().awaitUninterruptibly(TimeUnit.NANOSECONDS.toMillis(left) + 1);
  }

  /** A gRPC message: the 5-byte prefix (compressed flag, big-endian length) and the bytes. */
  public static byte[] frame(boolean compressed, byte[] message) {
    byte[] framed = new byte[5 + message.length];
    framed[0] = (byte) (compressed ? 1 : 0);
    framed[1] = (byte) (message.length >>> 24);
    framed[2] = (byte) (message.length >>> 16);
    framed[3] = (byte) (message.length >>> 8);
    framed[4] = (byte) message.length;
    System.arraycopy(message, 0, framed, 5, message.length);
    return framed;
  }

  /** Just a prefix declaring {@code length} bytes (which never come). */
  public static byte[] prefix(boolean compressed, long length) {
    return new byte[] {(byte) (compressed ? 1 : 0), (byte) (length >>> 24), (byte) (length >>> 16),
        (byte) (length >>> 8), (byte) length};
  }

  /** The message length a gRPC prefix starting at {@code pos} of {@code bytes} declares (unsigned, big-endian). */
  public static long declaredLength(byte[] bytes, int pos) {
    return ((bytes[pos + 1] & 0xFFL) << 24) | ((bytes[pos + 2] & 0xFF) << 16) | ((bytes[pos + 3] & 0xFF) << 8)
        | (bytes[pos + 4] & 0xFF);
  }

  /** An HTTP/2 frame as bytes: the 9-byte header (length, type, flags, stream id) and the payload, as given. */
  public static byte[] h2Frame(int type, int flags, int streamId, byte[] payload) {
    byte[] f = new byte[9 + payload.length];
    f[0] = (byte) (payload.length >>> 16);
    f[1] = (byte) (payload.length >>> 8);
    f[2] = (byte) payload.length;
    f[3] = (byte) type;
    f[4] = (byte) flags;
    f[5] = (byte) (streamId >>> 24);
    f[6] = (byte) (streamId >>> 16);
    f[7] = (byte) (streamId >>> 8);
    f[8] = (byte) streamId;
    System.arraycopy(payload, 0, f, 9, payload.length);
    return f;
  }

  /** A grpc-message as sent (percent-encoded); a malformed encoding is kept as it came. */
  private static String decode(CharSequence message) {
    if (message == null) {
      return "";
    }
    try {
      return URLDecoder.decode(message.toString(), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return message.toString();
    }
  }

  private ChannelHandlerContext ctx() {
    return channel.pipeline().context(http2);
  }

  private <T> T onLoop(java.util.concurrent.Callable<T> body) {
    try {
      return channel.eventLoop().submit(body).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("client write failed", e);
    }
  }

  @Override
  public void close() {
    channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  private final class Listener extends Http2FrameAdapter {
    @Override
    public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) {
      int n = data.readableBytes() + padding;
      StreamState s = streams.get(streamId);
      if (s != null) {
        byte[] bytes = new byte[data.readableBytes()];
        data.readBytes(bytes);
        s.body.writeBytes(bytes);
        if (endOfStream) {
          s.outcome.complete(new Outcome(-1, "stream ended without trailers", s.body.toByteArray(), -1, s.httpStatus));
        }
      }
      return n;
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
                              boolean endOfStream) {
      StreamState s = streams.get(streamId);
      if (s == null) {
        return;
      }
      if (s.httpStatus == null && headers.status() != null) {
        s.httpStatus = headers.status().toString();
      }
      CharSequence status = headers.get("grpc-status");
      if (status != null) {
        s.statuses.incrementAndGet();
      }
      if (endOfStream || status != null) {
        CharSequence message = headers.get("grpc-message");
        int code;
        try {
          code = status == null ? -1 : Integer.parseInt(status.toString());
        } catch (NumberFormatException e) {
          code = -3; // not a number: no valid status
        }
        s.outcome.complete(new Outcome(code, decode(message), s.body.toByteArray(), -1, s.httpStatus));
      }
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
                              short weight, boolean exclusive, int padding, boolean endOfStream) {
      onHeadersRead(ctx, streamId, headers, padding, endOfStream);
    }

    @Override
    public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
      resetsReceived.incrementAndGet();
      StreamState s = streams.get(streamId);
      if (s != null) {
        s.resets.incrementAndGet();
        s.outcome.complete(new Outcome(-1, "reset", s.body.toByteArray(), errorCode, s.httpStatus));
      }
    }

    @Override
    public void onGoAwayRead(ChannelHandlerContext ctx, int lastStreamId, long errorCode, ByteBuf debugData) {
      closeReason = "GOAWAY " + errorCode + " from the server: " + debugData.toString(StandardCharsets.UTF_8);
      goAway.complete(errorCode);
    }
  }
}
