package io.kvcache.gateway.grpc;

import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;

/**
 * HTTP/2 settings of the gRPC transport. The protocol's default flow-control window is 64 KiB per stream and per
 * connection, so a 1 MiB value would stall on 16 WINDOW_UPDATE round trips; windows sized to a few values keep the pipe
 * full. Clients of the store (tests, benchmarks, engines) should advertise similar windows for gets.
 */
public final class GrpcTransport {
  private GrpcTransport() {}

  /** Per-stream window: the largest value plus framing, capped (HTTP/2 allows at most 2^31-1). */
  static int streamWindow(long maxMessageSize) {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1L << 20, maxMessageSize));
  }

  /**
   * Largest HTTP/2 frame we accept. The default 16 KiB makes every 16 KiB of a value pay the per-frame work (parse,
   * copy out of Netty's buffer, queue, append to the message); 1 MiB frames cut that 64-fold for large values.
   */
  static final int MAX_FRAME_SIZE = 1 << 20;

  public static HttpServerOptions serverOptions(long maxMessageSize) {
    int window = streamWindow(maxMessageSize);
    return new HttpServerOptions()
        .setTcpNoDelay(true)
        .setInitialSettings(new Http2Settings().setInitialWindowSize(window).setMaxConcurrentStreams(1000)
            .setMaxFrameSize(MAX_FRAME_SIZE))
        .setHttp2ConnectionWindowSize(window);
  }

  public static HttpClientOptions clientOptions(long maxMessageSize) {
    int window = streamWindow(maxMessageSize);
    return new HttpClientOptions()
        .setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false)
        .setTcpNoDelay(true)
        .setInitialSettings(new Http2Settings().setInitialWindowSize(window).setMaxFrameSize(MAX_FRAME_SIZE))
        .setHttp2ConnectionWindowSize(window);
  }
}
