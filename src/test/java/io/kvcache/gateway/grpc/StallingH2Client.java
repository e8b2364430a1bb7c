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
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;

import java.io.ByteArrayOutputStream;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A gRPC client of one call that can stop reading mid-reply the way HTTP/2 lets it: while stalled it keeps what arrives
 * but gives no flow-control credit back, so the server's window for the stream (and the connection's 64 KiB) runs out
 * and the server must hold or stop producing the rest. {@link #resume()} gives the credit back; {@link #reset()} gives up.
 *
 * <p>Thread-safe: everything touching the connection runs on its event loop; results are futures and atomics.
 */
public final class StallingH2Client implements AutoCloseable {
  private final EventLoopGroup group;
  private final Channel channel;
  private final Http2ConnectionHandler http2;
  private final ByteArrayOutputStream body = new ByteArrayOutputStream(); // on the event loop only
  private final CompletableFuture<String> status = new CompletableFuture<>();
  private final AtomicLong received = new AtomicLong();
  private volatile boolean stalled = true;
  private long unconsumed; // on the event loop only
  private int streamId;

  /** Connects with a stream window of {@code streamWindow} bytes, stalled until {@link #resume()}. */
  public StallingH2Client(String host, int port, int streamWindow) throws InterruptedException {
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    http2 = new Http2ConnectionHandlerBuilder().server(false).frameListener(new Listener())
        .gracefulShutdownTimeoutMillis(0).initialSettings(new Http2Settings().initialWindowSize(streamWindow)).build();
    channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(http2);
          }
        }).connect(host, port).sync().channel();
  }

  /** Sends one call: {@code path} with one request message ({@code message}, without the gRPC prefix). */
  public void call(String path, byte[] message) {
    Http2Headers headers = new DefaultHttp2Headers().method("POST").scheme("http").authority("127.0.0.1").path(path)
        .set("content-type", "application/grpc").set("te", "trailers");
    onLoop(() -> {
      ChannelHandlerContext ctx = ctx();
      streamId = http2.connection().local().incrementAndGetNextStreamId();
      http2.encoder().writeHeaders(ctx, streamId, headers, 0, false, ctx.newPromise());
      http2.encoder().writeData(ctx, streamId, Unpooled.wrappedBuffer(RawH2Client.frame(false, message)), 0, true,
          ctx.newPromise());
      http2.flush(ctx);
      return null;
    });
  }

  /** Reply bytes received so far (stalled or not). */
  public long received() {
    return received.get();
  }

  /** Gives back the credit for everything received and reads on without stalling. */
  public void resume() {
    onLoop(() -> {
      stalled = false;
      Http2Stream stream = http2.connection().stream(streamId);
      if (stream != null && unconsumed > 0) {
        http2.decoder().flowController().consumeBytes(stream, (int) unconsumed);
        http2.flush(ctx());
      }
      unconsumed = 0;
      return null;
    });
  }

  /** Resets the call's stream (CANCEL), as a client that gives up does. */
  public void reset() {
    onLoop(() -> {
      http2.encoder().writeRstStream(ctx(), streamId, Http2Error.CANCEL.code(), ctx().newPromise());
      http2.flush(ctx());
      return null;
    });
  }

  /** The call's grpc-status, once its trailers came; then {@link #body()} is complete. */
  public String status(long seconds) throws Exception {
    return status.get(seconds, TimeUnit.SECONDS);
  }

  /** The reply's bytes: gRPC messages, each with its 5-byte prefix. */
  public byte[] body() {
    return onLoop(body::toByteArray);
  }

  private ChannelHandlerContext ctx() {
    return channel.pipeline().context(http2);
  }

  private <T> T onLoop(Callable<T> task) {
    try {
      return channel.eventLoop().submit(task).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("client operation failed", e);
    }
  }

  @Override
  public void close() {
    channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  private final class Listener extends Http2FrameAdapter {
    @Override
    public int onDataRead(ChannelHandlerContext ctx, int id, ByteBuf data, int padding, boolean endOfStream)
        throws Http2Exception {
      int n = data.readableBytes();
      received.addAndGet(n);
      byte[] bytes = new byte[n];
      data.readBytes(bytes);
      body.writeBytes(bytes);
      if (stalled) {
        unconsumed += n + padding;
        return 0; // not processed: no WINDOW_UPDATE until resume()
      }
      return n + padding;
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int id, Http2Headers headers, int padding,
                              boolean endOfStream) {
      CharSequence grpcStatus = headers.get("grpc-status");
      if (grpcStatus != null) {
        status.complete(grpcStatus.toString());
      }
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int id, Http2Headers headers, int streamDependency,
                              short weight, boolean exclusive, int padding, boolean endOfStream) {
      onHeadersRead(ctx, id, headers, padding, endOfStream);
    }

    @Override
    public void onRstStreamRead(ChannelHandlerContext ctx, int id, long errorCode) {
      status.complete("reset " + errorCode);
    }
  }
}
