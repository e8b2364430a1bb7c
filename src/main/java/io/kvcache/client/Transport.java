package io.kvcache.client;

import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.grpc.client.GrpcClientOptions;

import java.util.concurrent.TimeUnit;

/**
 * The client's HTTP/2 and gRPC settings: prior-knowledge HTTP/2 (no upgrade), flow-control windows sized to a value
 * (HTTP/2's 64 KiB default would stall a 1 MiB get on 16 round trips), 1 MiB frames, a deadline on every call, and a
 * connection that is never dropped for being idle (registered buffers are bound to it).
 *
 * <p>Thread-safe (stateless).
 */
final class Transport {
  private Transport() {}

  static GrpcClientOptions grpcOptions(ClientOptions options) {
    return new GrpcClientOptions().setMaxMessageSize(options.maxMessageSize())
        .setTimeout((int) Math.min(Integer.MAX_VALUE, options.timeout().toMillis())).setTimeoutUnit(TimeUnit.MILLISECONDS)
        .setScheduleDeadlineAutomatically(true);
  }

  static HttpClientOptions httpOptions(ClientOptions options) {
    int window = (int) Math.min(Integer.MAX_VALUE, Math.max(1L << 20, options.maxMessageSize()));
    return new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false)
        .setTcpNoDelay(true).setHttp2KeepAliveTimeout(0)
        .setInitialSettings(new Http2Settings().setInitialWindowSize(window).setMaxFrameSize(1 << 20))
        .setHttp2ConnectionWindowSize(window);
  }
}
