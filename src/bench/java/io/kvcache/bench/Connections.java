package io.kvcache.bench;

import io.kvcache.gateway.grpc.GrpcTransport;
import io.kvcache.proto.v1.KvStoreGrpcClient;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;

import java.util.ArrayList;
import java.util.List;

/** gRPC clients of a store for the benchmarks: each its own connection, message limits and HTTP/2 windows raised. */
final class Connections {
  private Connections() {}

  static List<KvStoreGrpcClient> open(Vertx vertx, int port, int count, long maxMessageSize) {
    List<KvStoreGrpcClient> conns = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      GrpcClient grpc = GrpcClient.client(vertx, new GrpcClientOptions().setMaxMessageSize(maxMessageSize),
          GrpcTransport.clientOptions(maxMessageSize));
      conns.add(KvStoreGrpcClient.create(grpc, SocketAddress.inetSocketAddress(port, "127.0.0.1")));
    }
    return conns;
  }
}
