package io.kvcache.testing;

import io.kvcache.app.Node;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A three-node cluster for master failover tests: A and B (master + storage + gateway) in child JVMs, so either can be
 * killed or frozen like a machine, and C (storage + gateway) in this JVM. Short leases and heartbeats keep the tests
 * quick; a quorum of 2 of 3.
 */
public final class HaCluster implements AutoCloseable {
  public static final long LEASE_MS = 1000;

  public final String name = TestNodes.uniqueCluster();
  public final List<Integer> clusterPorts = List.of(TestNodes.freePort(), TestNodes.freePort(), TestNodes.freePort());
  private final Path dir = Path.of(System.getProperty("kv.test.dir", "target/test-data"));
  public ChildNode a;
  public ChildNode b;
  public int grpcA = TestNodes.freePort(), grpcB = TestNodes.freePort();
  public int metricsA = TestNodes.freePort(), metricsB = TestNodes.freePort();
  public Node c;

  /** The config of node {@code index} (0 = A, 1 = B, 2 = C). */
  public JsonObject config(int index, List<String> roles, String segment) {
    return TestNodes.config(name, "node-" + (char) ('a' + index), clusterPorts.get(index), clusterPorts, roles, segment)
        .put("master_lease_ms", LEASE_MS).put("cluster_quorum", 2)
        .put("heartbeat_interval_ms", 200).put("client_live_ttl_ms", 3000)
        .put("request_timeout_ms", 30_000).put("master_failover_wait_ms", 10_000);
  }

  public JsonObject masterConfig(int index) {
    JsonObject config = config(index, List.of("master", "storage", "gateway"), "64MiB");
    return config.put("grpc_port", index == 0 ? grpcA : grpcB).put("metrics_port", index == 0 ? metricsA : metricsB);
  }

  /** Starts A and B as child JVMs and C in this JVM. */
  public HaCluster start() throws IOException {
    a = ChildNode.start(masterConfig(0), dir);
    b = ChildNode.start(masterConfig(1), dir);
    c = TestNodes.start(config(2, List.of("storage", "gateway"), "64MiB"));
    return this;
  }

  /** Replaces {@code node} (A or B, killed) by a new process with the same config (a new node id); returns it. */
  public ChildNode restart(ChildNode node) throws IOException {
    node.close();
    if (node == a) {
      a = ChildNode.start(masterConfig(0), dir);
      return a;
    }
    b = ChildNode.start(masterConfig(1), dir);
    return b;
  }

  public String nameOf(ChildNode node) {
    return node == a ? "node-a" : "node-b";
  }

  public int metricsOf(ChildNode node) {
    return node == a ? metricsA : metricsB;
  }

  public int grpcOf(ChildNode node) {
    return node == a ? grpcA : grpcB;
  }

  public ChildNode other(ChildNode node) {
    return node == a ? b : a;
  }

  /** Waits until one of A and B is the active master with the other synced and three segments mounted. */
  public ChildNode awaitActiveWithSyncedStandby() {
    ChildNode[] active = {null};
    Await.until("an active master with a synced standby and 3 segments", Duration.ofSeconds(60), () -> {
      for (ChildNode n : List.of(a, b)) {
        if (metric(metricsOf(n), "kvstore_master_active") == 1
            && metric(metricsOf(n), "kvstore_master_synced_standbys") == 1
            && metric(metricsOf(n), "kvstore_alloc_segments") == 3) {
          active[0] = n;
          return true;
        }
      }
      return false;
    });
    return active[0];
  }

  /** Waits until the active master has nothing unacknowledged by its standby. */
  public void awaitReplicated(ChildNode active) {
    Await.until("the standby acknowledged everything", Duration.ofSeconds(30),
        () -> metric(metricsOf(active), "kvstore_master_replication_lag_records") == 0);
  }

  /**
   * The sum of a meter's series on a node's /metrics (whose line contains {@code filter}); NaN if unreachable within
   * 2 s (a fresh connection each time: a frozen node must not hold up a pooled one).
   */
  public static double metric(int port, String name, String filter) {
    try {
      HttpURLConnection http = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/metrics").toURL()
          .openConnection();
      http.setConnectTimeout(2000);
      http.setReadTimeout(2000);
      http.setRequestProperty("Connection", "close");
      String body;
      try (var in = http.getInputStream()) {
        body = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      } finally {
        http.disconnect();
      }
      double sum = 0;
      boolean found = false;
      for (String line : body.split("\n")) {
        if ((line.startsWith(name + " ") || line.startsWith(name + "{")) && line.contains(filter)) {
          sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
          found = true;
        }
      }
      return found ? sum : Double.NaN;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  public static double metric(int port, String name) {
    return metric(port, name, "");
  }

  /** Keeps the child nodes' output next to the test data (for a failed test's post-mortem). */
  private void saveOutput(ChildNode node, String nodeName) {
    if (node != null) {
      try {
        java.nio.file.Files.writeString(dir.resolve(name + "-" + nodeName + ".log"), node.output());
      } catch (IOException ignored) {
        // only a diagnostic
      }
    }
  }

  @Override
  public void close() {
    saveOutput(a, "node-a");
    saveOutput(b, "node-b");
    List<AutoCloseable> all = new ArrayList<>();
    all.add(() -> TestNodes.stop(c));
    all.add(() -> {
      if (a != null) {
        a.close();
      }
    });
    all.add(() -> {
      if (b != null) {
        b.close();
      }
    });
    for (AutoCloseable step : all) {
      try {
        step.close();
      } catch (Exception ignored) {
        // best effort: the other nodes must still go
      }
    }
  }
}
