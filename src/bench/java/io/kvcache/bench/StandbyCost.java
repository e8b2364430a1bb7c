package io.kvcache.bench;

import io.kvcache.testing.ChildNode;
import io.kvcache.testing.HaCluster;
import io.kvcache.testing.TestNodes;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the hot standby costs the metadata path (issue 12): the {@link MetadataLoad} batches (BatchPut, BatchExists,
 * BatchGet of {@code --batch} keys, {@code --clients} clients) against node-1's gateway in three setups, alternated
 * {@code --reps} times: node-1 alone (the default single-node config); node-1 plus a master-role node-2 with
 * {@code master_standby=false} (a cold standby: same two JVMs on the machine, nothing replicated); and the same two
 * nodes with the hot standby on (node-1 records and streams every change, frees wait for node-2's acknowledgements).
 * Prints a {@code RESULT} line per setup and operation (median keys/s) and the hot standby's cost against both.
 */
public final class StandbyCost {
  private StandbyCost() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = Args.parse(args);
    int reps = Integer.parseInt(a.getOrDefault("reps", "2"));
    int clients = Integer.parseInt(a.getOrDefault("clients", "8"));
    int batch = Integer.parseInt(a.getOrDefault("batch", "128"));
    int keys = Integer.parseInt(a.getOrDefault("keys", "200000"));
    double seconds = Double.parseDouble(a.getOrDefault("seconds", "10"));
    Path dir = Path.of(a.getOrDefault("dir", "target/bench-standby"));
    List<String> setups = List.of("alone", "cold_standby", "hot_standby");
    Map<String, Map<String, List<Double>>> rates = new LinkedHashMap<>();
    for (int rep = 0; rep < reps; rep++) {
      for (String setup : setups) {
        String cluster = TestNodes.uniqueCluster();
        List<Integer> ports = setup.equals("alone") ? List.of(TestNodes.freePort())
            : List.of(TestNodes.freePort(), TestNodes.freePort());
        int grpc = TestNodes.freePort();
        int metrics = TestNodes.freePort();
        boolean hot = setup.equals("hot_standby");
        List<ChildNode> nodes = new ArrayList<>();
        try {
          JsonObject first = TestNodes.config(cluster, "node-1", ports.get(0), ports,
              List.of("master", "storage", "gateway"), "1GiB").put("grpc_port", grpc).put("metrics_port", metrics)
              .put("master_standby", hot).put("event_loop_threads", 0);
          nodes.add(ChildNode.start(first, dir, "4g"));
          if (ports.size() > 1) {
            nodes.add(ChildNode.start(TestNodes.config(cluster, "node-2", ports.get(1), ports, List.of("master"), "0B")
                .put("master_standby", hot).put("metrics_port", TestNodes.freePort()), dir, "4g"));
          }
          if (hot) {
            awaitSynced(metrics);
          }
          System.out.println("== " + setup + " (round " + (rep + 1) + ")");
          Map<String, Double> r = MetadataLoad.measure(grpc, clients, batch, 4096, keys, seconds,
              Set.of("put", "exists", "get"));
          r.forEach((op, v) -> rates.computeIfAbsent(setup, s -> new LinkedHashMap<>())
              .computeIfAbsent(op, o -> new ArrayList<>()).add(v));
        } finally {
          nodes.forEach(ChildNode::close);
        }
      }
    }
    rates.forEach((setup, byOp) -> byOp.forEach((op, values) ->
        System.out.printf("RESULT setup=%s op=%s keys_per_s=%.0f runs=%s%n", setup, op, median(values), values)));
    for (String op : rates.get("hot_standby").keySet()) {
      double hotRate = median(rates.get("hot_standby").get(op));
      System.out.printf("RESULT cost op=%s vs_cold_standby=%.1f%% vs_alone=%.1f%%%n", op,
          100 * (1 - hotRate / median(rates.get("cold_standby").get(op))),
          100 * (1 - hotRate / median(rates.get("alone").get(op))));
    }
  }

  private static void awaitSynced(int metricsPort) throws InterruptedException {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (HaCluster.metric(metricsPort, "kvstore_master_synced_standbys") != 1) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the standby did not sync within 60 s");
      }
      Thread.sleep(100);
    }
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
