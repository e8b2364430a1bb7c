package io.kvcache.gateway.grpc;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;

import java.io.ByteArrayOutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * An HTTP/2 client that sends whatever frames a test asks for — headers of any content type, DATA cut anywhere, resets
 * — and records what the server answers per stream: the raw material of the transport's hostility tests. Only gRPC's
 * shape is known here, not its rules.
 *
 * <p>Thread-safe: writes hop to the channel's event loop; results are futures.
 */
public final class RawH2Client implements AutoCloseable {
  /** What the server answered on one stream: the gRPC status (from trailers or a trailers-only reply) or a reset. */
  public record Outcome(int grpcStatus, String grpcMessage, byte[] body, long resetCode) {
    public boolean reset() {
      return resetCode >= 0;
    }
  }

  private final EventLoopGroup group;
  private final Channel channel;
  private final Http2ConnectionHandler http2;
  private final Map<Integer, StreamState> streams = new ConcurrentHashMap<>();
  private final CompletableFuture<Long> goAway = new CompletableFuture<>();

  private static final class StreamState {
    final ByteArrayOutputStream body = new ByteArrayOutputStream();
    final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
  }

  public RawH2Client(String host, int port) throws InterruptedException {
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    Listener listener = new Listener();
    // Closing drops the TCP connection at once, as a client that dies does (no graceful wait for open streams).
    http2 = new Http2ConnectionHandlerBuilder().server(false).frameListener(listener).gracefulShutdownTimeoutMillis(0)
        .initialSettings(new Http2Settings().initialWindowSize(16 << 20)).build();
    channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(http2);
          }
        }).connect(host, port).sync().channel();
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
    return onLoop(() -> {
      // Ignores the server's SETTINGS_MAX_CONCURRENT_STREAMS, as a hostile client would: the server must enforce it.
      http2.connection().local().maxActiveStreams(Integer.MAX_VALUE);
      int id = http2.connection().local().incrementAndGetNextStreamId();
      streams.put(id, new StreamState());
      http2.encoder().writeHeaders(ctx(), id, headers, 0, endStream, ctx().newPromise());
      http2.flush(ctx());
      return id;
    });
  }

  /** Sends {@code bytes} as DATA on the stream (flow control permitting). */
  public void data(int streamId, byte[] bytes, boolean endStream) {
    onLoop(() -> {
      http2.encoder().writeData(ctx(), streamId, Unpooled.wrappedBuffer(bytes), 0, endStream, ctx().newPromise());
      http2.flush(ctx());
      return null;
    });
  }

  /** Resets the stream (CANCEL), as a client that gives up does. */
  public void reset(int streamId) {
    onLoop(() -> {
      http2.encoder().writeRstStream(ctx(), streamId, Http2Error.CANCEL.code(), ctx().newPromise());
      http2.flush(ctx());
      return null;
    });
  }

  /** How the server ended the stream, waiting at most {@code seconds}. */
  public Outcome outcome(int streamId, long seconds) throws Exception {
    return streams.get(streamId).outcome.get(seconds, TimeUnit.SECONDS);
  }

  public boolean isOpen() {
    return channel.isActive();
  }

  /** The error code of the server's GOAWAY, waiting at most {@code seconds}. */
  public long goAway(long seconds) throws Exception {
    return goAway.get(seconds, TimeUnit.SECONDS);
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
          s.outcome.complete(new Outcome(-1, "stream ended without trailers", s.body.toByteArray(), -1));
        }
      }
      return n;
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
                              boolean endOfStream) {
      StreamState s = streams.get(streamId);
      CharSequence status = headers.get("grpc-status");
      if (s != null && (endOfStream || status != null)) {
        CharSequence message = headers.get("grpc-message");
        s.outcome.complete(new Outcome(status == null ? -1 : Integer.parseInt(status.toString()),
            message == null ? "" : URLDecoder.decode(message.toString(), StandardCharsets.UTF_8),
            s.body.toByteArray(), -1));
      }
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
                              short weight, boolean exclusive, int padding, boolean endOfStream) {
      onHeadersRead(ctx, streamId, headers, padding, endOfStream);
    }

    @Override
    public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
      StreamState s = streams.get(streamId);
      if (s != null) {
        s.outcome.complete(new Outcome(-1, "reset", s.body.toByteArray(), errorCode));
      }
    }

    @Override
    public void onGoAwayRead(ChannelHandlerContext ctx, int lastStreamId, long errorCode, ByteBuf debugData) {
      goAway.complete(errorCode);
    }
  }
}
