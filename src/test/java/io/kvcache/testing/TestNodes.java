package io.kvcache.testing;

import io.kvcache.app.ConfigLoader;
import io.kvcache.app.Node;
import io.kvcache.proto.v1.KvStoreGrpcClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Starts real nodes on loopback with free ports and a cluster name unique to the test run, and gRPC clients for them. */
public final class TestNodes {
  private TestNodes() {}

  public static final String HOST = "127.0.0.1";
  private static final long START_TIMEOUT_S = 90;

  /**
   * A free port for a Hazelcast member, taken below the kernel's ephemeral range (32768+): the ports nodes bind with 0
   * (gRPC, event bus, metrics) come from that range, so they cannot grab it between this check and Hazelcast's bind.
   */
  public static int freePort() {
    for (int attempt = 0; attempt < 200; attempt++) {
      int port = 20_000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(12_000);
      try (ServerSocket socket = new ServerSocket(port, 50, InetAddress.getByName(HOST))) {
        return socket.getLocalPort();
      } catch (IOException taken) {
        // try another one
      }
    }
    throw new IllegalStateException("no free port in 20000-31999");
  }

  /** A config for one node of a test cluster: all ports free, small segment, loopback only. */
  public static JsonObject config(String clusterName, String nodeName, int clusterPort, List<Integer> memberPorts,
                                  List<String> roles, String segmentSize) {
    JsonArray members = new JsonArray();
    memberPorts.forEach(p -> members.add(HOST + ":" + p));
    return new JsonObject()
        .put("node_name", nodeName)
        .put("roles", new JsonArray(roles))
        .put("grpc_host", HOST).put("grpc_port", 0)
        .put("metrics_host", HOST).put("metrics_port", 0)
        .put("cluster_name", clusterName).put("cluster_host", HOST).put("cluster_port", clusterPort)
        .put("cluster_members", members)
        .put("event_loop_threads", 2)
        .put("segment_size", segmentSize)
        .put("grpc_uds_path", unixSocketPath());
  }

  /** A fresh Unix socket path for a test node (short: socket paths are limited to 107 bytes). */
  public static String unixSocketPath() {
    return Path.of(System.getProperty("java.io.tmpdir"), "kvs-" + UUID.randomUUID().toString().substring(0, 8) + ".sock")
        .toString();
  }

  /** A single node with every role. */
  public static JsonObject singleNode(String segmentSize) {
    int port = freePort();
    return config(uniqueCluster(), "node-a", port, List.of(port), List.of("master", "storage", "gateway"), segmentSize);
  }

  public static String uniqueCluster() {
    return "kvstore-test-" + UUID.randomUUID();
  }

  public static Node start(JsonObject config) {
    return await(Node.start(ConfigLoader.load(config, Map.of())), START_TIMEOUT_S);
  }

  public static void stop(Node node) {
    if (node != null) {
      await(node.stop(), 60);
    }
  }

  /** The future's result, failing the test if it does not complete within 60 s. */
  public static <T> T await(Future<T> future) {
    return await(future, 60);
  }

  public static <T> T await(Future<T> future, long seconds) {
    try {
      return future.await(seconds, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("no result within " + seconds + " s", e);
    }
  }

  public static void close(Vertx vertx) {
    if (vertx != null) {
      await(vertx.close(), 30);
    }
  }

  /** A gRPC client of the store with message limits raised for 64 MiB values. */
  public static KvStoreGrpcClient client(Vertx vertx, int port) {
    GrpcClient grpc = GrpcClient.client(vertx, new GrpcClientOptions().setMaxMessageSize(80L << 20),
        io.kvcache.gateway.grpc.GrpcTransport.clientOptions(80L << 20));
    return KvStoreGrpcClient.create(grpc, SocketAddress.inetSocketAddress(port, HOST));
  }
}
