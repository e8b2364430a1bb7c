package io.kvcache.bench;

import io.kvcache.app.Node;
import io.kvcache.gateway.grpc.FuzzNodeChecks;
import io.kvcache.gateway.grpc.RawH2Client;
import io.kvcache.testing.TestNodes;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Issue 11: what streams that declare the largest message and send (almost) nothing of it cost a node. Starts a node in
 * this JVM with the default transport limits (64 MiB messages, 256 streams a connection; only the incomplete-message
 * timeout is raised, to 10 minutes, so no stream is timed out while measured), opens {@code --connections} (100) raw
 * HTTP/2 connections and on them {@code --streams} (10,000) Put streams, each sending a gRPC prefix that declares a
 * 64 MiB message and then {@code extra} bytes of it, for each of {@code --extra} (0 and 1: prefix-only, and a prefix and
 * one byte). With every stream open and its bytes read by the node (a health check on each connection answers after
 * them), measures the JVM's heap after GC, its direct memory (JVM and Netty) and the node's
 * {@code kvstore_gateway_request_bytes_held}; then closes the connections and measures again. The heap and direct
 * memory figures are the whole JVM's: node and client (the client's 10,000 open streams included), so an upper bound
 * on the node's.
 */
public final class PrefixStreams {
  private PrefixStreams() {}

  private static final String PUT = "/kvstore.v1.KvStore/Put";
  private static final String CHECK = "/grpc.health.v1.Health/Check";
  private static final String GRPC = "application/grpc";
  private static final long DECLARED = 64L << 20;

  public static void main(String[] args) throws Exception {
    Map<String, String> a = Args.parse(args);
    int streams = Integer.parseInt(a.getOrDefault("streams", "10000"));
    int connections = Integer.parseInt(a.getOrDefault("connections", "100"));
    List<Integer> extras = java.util.Arrays.stream(a.getOrDefault("extra", "0,1").split(","))
        .map(Integer::parseInt).toList();
    Node node = TestNodes.start(TestNodes.singleNode("256MiB").put("grpc_message_timeout_ms", 600_000));
    try {
      try (RawH2Client c = new RawH2Client(TestNodes.HOST, node.grpcPort())) {
        String why = FuzzNodeChecks.roundTrip(c, "prefix-streams-warmup", 64 << 10, 1);
        if (why != null) {
          throw new IllegalStateException(why);
        }
      }
      for (int extra : extras) {
        measure(node, streams, connections, extra);
      }
    } finally {
      TestNodes.stop(node);
    }
  }

  private static void measure(Node node, int streams, int connections, int extra) throws Exception {
    long heapBefore = FuzzNodeChecks.usedHeapAfterGc();
    long directBefore = FuzzNodeChecks.directMemory();
    byte[] head = new byte[5 + extra];
    System.arraycopy(RawH2Client.prefix(false, DECLARED), 0, head, 0, 5);
    List<RawH2Client> clients = new ArrayList<>();
    List<List<Integer>> ids = new ArrayList<>();
    long opened = System.nanoTime();
    try {
      for (int conn = 0; conn < connections; conn++) {
        RawH2Client c = new RawH2Client(TestNodes.HOST, node.grpcPort());
        clients.add(c);
        List<Integer> on = new ArrayList<>();
        for (int s = conn; s < streams; s += connections) {
          int id = c.start(PUT, GRPC, false);
          c.data(id, head, false);
          on.add(id);
        }
        ids.add(on);
      }
      for (RawH2Client c : clients) { // answered after the streams before it on the connection were read
        int id = c.start(CHECK, GRPC, false);
        c.data(id, RawH2Client.frame(false, new byte[0]), true);
        if (c.outcome(id, 120).grpcStatus() != 0) {
          throw new IllegalStateException("health check failed");
        }
      }
      double openSeconds = (System.nanoTime() - opened) / 1e9;
      long ended = 0;
      for (int conn = 0; conn < connections; conn++) {
        for (int id : ids.get(conn)) {
          ended += clients.get(conn).outcomeNow(id) == null ? 0 : 1;
        }
      }
      double held = FuzzNodeChecks.gauge(node.meters(), "kvstore_gateway_request_bytes_held");
      long heapOpen = FuzzNodeChecks.usedHeapAfterGc();
      long directOpen = FuzzNodeChecks.directMemory();
      for (RawH2Client c : clients) {
        c.close();
      }
      clients.clear();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (FuzzNodeChecks.gauge(node.meters(), "kvstore_gateway_request_bytes_held") > 0
          && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      double heldAfter = FuzzNodeChecks.gauge(node.meters(), "kvstore_gateway_request_bytes_held");
      long heapAfter = FuzzNodeChecks.usedHeapAfterGc();
      long directAfter = FuzzNodeChecks.directMemory();
      System.out.printf("RESULT prefix_streams streams=%d connections=%d declared_mib=%d bytes_sent_per_stream=%d "
              + "open_s=%.1f ended_early=%d heap_before_mib=%.1f heap_open_mib=%.1f heap_open_over_before_mib=%.1f "
              + "heap_after_close_mib=%.1f direct_before_mib=%.1f direct_open_mib=%.1f direct_after_close_mib=%.1f "
              + "request_bytes_held_open=%.0f request_bytes_held_after_close=%.0f%n",
          streams, connections, DECLARED >> 20, 5 + extra, openSeconds, ended, mib(heapBefore), mib(heapOpen),
          mib(heapOpen - heapBefore), mib(heapAfter), mib(directBefore), mib(directOpen), mib(directAfter), held,
          heldAfter);
    } finally {
      clients.forEach(RawH2Client::close);
    }
  }

  private static double mib(long bytes) {
    return bytes / (double) (1 << 20);
  }
}
