package io.kvcache.bench;

import com.google.protobuf.CodedOutputStream;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A lean Put load generator, so that the client is not what limits a put benchmark: Netty HTTP/2 on epoll, one request
 * in flight per connection, every request a fresh key, the value one pooled direct buffer shared by every request (the
 * request is a few header bytes built per key plus that buffer by reference: nothing of the value is copied on the
 * client). Prints a RESULT line with the throughput and the CPU the client itself used.
 *
 * <pre>./kvstore java io.kvcache.bench.PutLoad --port 50051 --clients 8 --size 65536 --seconds 5 [--warmup 1]
 *     [--prefix p] [--count N] [--threads 2]</pre>
 *
 * With {@code --count N} each connection stops after N puts (to fill a key set); otherwise it runs for the given time.
 *
 * <p>Thread-safety: each connection is used on its own event loop only; totals are atomic.
 */
public final class PutLoad {
  private static final String PATH = "/kvstore.v1.KvStore/Put";

  private final ByteBuf value;
  private final String prefix;
  private final long count;
  private final long deadlineNanos;
  private final AtomicLong ok = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final CountDownLatch finished;

  private PutLoad(ByteBuf value, String prefix, long count, long deadlineNanos, int clients) {
    this.value = value;
    this.prefix = prefix;
    this.count = count;
    this.deadlineNanos = deadlineNanos;
    this.finished = new CountDownLatch(clients);
  }

  public static void main(String[] argv) throws Exception {
    Map<String, String> a = Args.parse(argv);
    int port = Integer.parseInt(a.getOrDefault("port", "50051"));
    int clients = Integer.parseInt(a.getOrDefault("clients", "8"));
    int size = Integer.parseInt(a.getOrDefault("size", "65536"));
    double seconds = Double.parseDouble(a.getOrDefault("seconds", "5"));
    long count = Long.parseLong(a.getOrDefault("count", "-1"));
    int threads = Integer.parseInt(a.getOrDefault("threads", "2"));
    String prefix = a.getOrDefault("prefix", "put-" + Long.toHexString(System.nanoTime()) + "-");

    ByteBuf value = PooledByteBufAllocator.DEFAULT.directBuffer(size, size);
    for (int i = 0; i < size; i++) {
      value.writeByte((byte) (i * 31 + 7));
    }
    double warmup = count >= 0 ? 0 : Double.parseDouble(a.getOrDefault("warmup", "1"));
    long begin = System.nanoTime();
    PutLoad load = new PutLoad(value, prefix, count, begin + (long) ((warmup + seconds) * 1e9), clients);
    // Throughput and CPU are counted from the end of the warm-up (JIT, connection set-up) to the end.
    long[] atWarm = new long[3];
    Thread snapshot = Thread.ofVirtual().start(() -> {
      try {
        Thread.sleep((long) (warmup * 1000));
      } catch (InterruptedException e) {
        return;
      }
      atWarm[0] = System.nanoTime();
      atWarm[1] = cpuTicks();
      atWarm[2] = load.ok.get();
    });
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, EpollIoHandler.newFactory());
    try {
      for (int c = 0; c < clients; c++) {
        load.connect(group, port, c);
      }
      if (!load.finished.await((long) seconds + 600, TimeUnit.SECONDS)) {
        System.err.println("PutLoad: connections did not finish");
      }
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
    snapshot.join();
    double wall = (System.nanoTime() - atWarm[0]) / 1e9;
    double cpu = (cpuTicks() - atWarm[1]) / 100.0;
    long bytes = (load.ok.get() - atWarm[2]) * size;
    System.out.printf("RESULT op=put size=%d clients=%d ok_total=%d ok=%d failed=%d seconds=%.2f mbps=%.1f client_cpu_s=%.2f"
            + " client_cores=%.2f client_cpu_s_per_gb=%.3f%n", size, clients, load.ok.get(), bytes / size, load.failed.get(), wall,
        bytes / wall / 1e6, cpu, cpu / wall, bytes == 0 ? 0 : cpu / (bytes / 1e9));
  }

  /** utime + stime of this process, in clock ticks (1/100 s on Linux). */
  static long cpuTicks() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    } catch (Exception e) {
      return 0;
    }
  }

  private void connect(EventLoopGroup group, int port, int client) throws InterruptedException {
    Connection conn = new Connection(client);
    conn.http2 = new Http2ConnectionHandlerBuilder().server(false).frameListener(conn)
        .initialSettings(new Http2Settings().initialWindowSize(1 << 20)).build();
    Channel ch = new Bootstrap().group(group).channel(EpollSocketChannel.class).option(ChannelOption.TCP_NODELAY, true)
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(conn.http2);
          }
        }).connect("127.0.0.1", port).sync().channel();
    conn.channel = ch;
    ch.eventLoop().execute(conn::sendNext);
  }

  /** One connection: sends a put, waits for its trailers, sends the next. */
  private final class Connection extends Http2FrameAdapter {
    private final int client;
    private Http2ConnectionHandler http2;
    private long sent;
    private int code = Integer.MIN_VALUE;

    Connection(int client) {
      this.client = client;
    }

    private Channel channel;

    private ChannelHandlerContext ctx() {
      return channel.pipeline().context(http2);
    }

    void sendNext() {
      if ((count >= 0 && sent >= count) || (count < 0 && System.nanoTime() > deadlineNanos)) {
        finished.countDown();
        channel.close();
        return;
      }
      String key = prefix + client + "-" + sent++;
      ChannelHandlerContext ctx = ctx();
      ByteBufAllocator alloc = ctx.alloc();
      int stream = http2.connection().local().incrementAndGetNextStreamId();
      Http2Headers headers = new DefaultHttp2Headers().method("POST").scheme("http").authority("127.0.0.1")
          .path(PATH).set("content-type", "application/grpc").set("te", "trailers");
      http2.encoder().writeHeaders(ctx, stream, headers, 0, false, ctx.newPromise());
      http2.encoder().writeData(ctx, stream, request(alloc, key), 0, true, ctx.newPromise());
      http2.flush(ctx);
    }

    /** The gRPC message: prefix, PutRequest{key = 2, value = 3} with the value by reference. */
    private ByteBuf request(ByteBufAllocator alloc, String key) {
      int keyBytes = CodedOutputStream.computeStringSize(2, key);
      int valueHeader = CodedOutputStream.computeTagSize(3)
          + CodedOutputStream.computeUInt32SizeNoTag(value.readableBytes());
      int message = keyBytes + valueHeader + value.readableBytes();
      ByteBuf head = alloc.directBuffer(5 + keyBytes + valueHeader);
      head.writeByte(0).writeInt(message);
      byte[] fields = new byte[keyBytes + valueHeader];
      CodedOutputStream out = CodedOutputStream.newInstance(fields);
      try {
        out.writeString(2, key);
        out.writeTag(3, 2);
        out.writeUInt32NoTag(value.readableBytes());
        out.flush();
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      }
      head.writeBytes(fields);
      CompositeByteBuf whole = alloc.compositeDirectBuffer(2);
      whole.addComponents(true, head, value.retainedDuplicate());
      return whole;
    }

    @Override
    public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) {
      // PutReply{code = 1}: after the 5-byte prefix, tag 0x08 then the code as a varint (absent when OK = 0).
      if (data.readableBytes() >= 7 && data.getByte(data.readerIndex() + 5) == 0x08) {
        code = data.getByte(data.readerIndex() + 6);
      } else if (data.readableBytes() >= 5) {
        code = 0;
      }
      return data.readableBytes() + padding;
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
                              boolean endOfStream) {
      if (!endOfStream) {
        return;
      }
      CharSequence status = headers.get("grpc-status");
      if (status != null && status.length() == 1 && status.charAt(0) == '0' && code == 0) {
        ok.incrementAndGet();
      } else {
        failed.incrementAndGet();
      }
      code = Integer.MIN_VALUE;
      sendNext();
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
                              short weight, boolean exclusive, int padding, boolean endOfStream) {
      onHeadersRead(ctx, streamId, headers, padding, endOfStream);
    }
  }
}
