package io.kvcache.bench;

import com.google.protobuf.ByteString;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.GetRequest;
import io.kvcache.proto.v1.KvStoreGrpcClient;
import io.kvcache.proto.v1.PutRequest;
import io.kvcache.proto.v1.ReplicateConfig;
import io.kvcache.testing.ChildNode;
import io.kvcache.testing.HaCluster;
import io.kvcache.testing.TestNodes;
import io.kvcache.testing.Values;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Master failover under load (issue 12): three nodes in their own JVMs — node-1 and node-2 with every role (one the
 * active master, the other its hot standby), node-3 storage + gateway — and {@code --clients} closed-loop clients spread
 * over the three gateways, each putting fresh keys (2 replicas, so every object has a replica on two of the three
 * nodes) and getting random acknowledged ones (bytes checked). {@code --kills} times: run the load for
 * {@code --warmup} s, SIGKILL the active master, measure on each surviving gateway the time from the kill to the first
 * successful put and get issued after it, read back every object acknowledged at least 1 s before the kill, then restart
 * the killed node (it rejoins as the standby) and wait until it is synced; the next kill hits the other node.
 *
 * <p>Prints {@code KILL ...} lines, then {@code RESULT} lines: median and max of the times, objects lost, wrong bytes.
 */
public final class FailoverBench {
  private FailoverBench() {}

  private record Op(int gateway, boolean put, long startNanos, long endNanos, boolean ok) {}

  private record Acked(String key, long atNanos) {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = Args.parse(args);
    int kills = Integer.parseInt(a.getOrDefault("kills", "5"));
    int clients = Integer.parseInt(a.getOrDefault("clients", "8"));
    int valueSize = Integer.parseInt(a.getOrDefault("value", "4096"));
    double warmup = Double.parseDouble(a.getOrDefault("warmup", "6"));
    long leaseMs = Long.parseLong(a.getOrDefault("lease", "2000"));
    Path dir = Path.of(a.getOrDefault("dir", "target/bench-failover"));

    String cluster = TestNodes.uniqueCluster();
    List<Integer> clusterPorts = List.of(TestNodes.freePort(), TestNodes.freePort(), TestNodes.freePort());
    int[] grpc = {TestNodes.freePort(), TestNodes.freePort(), TestNodes.freePort()};
    int[] metrics = {TestNodes.freePort(), TestNodes.freePort(), TestNodes.freePort()};
    List<JsonObject> configs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      List<String> roles = i < 2 ? List.of("master", "storage", "gateway") : List.of("storage", "gateway");
      configs.add(TestNodes.config(cluster, "node-" + (i + 1), clusterPorts.get(i), clusterPorts, roles, "512MiB")
          .put("grpc_port", grpc[i]).put("metrics_port", metrics[i]).put("cluster_quorum", 2)
          .put("master_lease_ms", leaseMs));
    }
    ChildNode[] nodes = new ChildNode[3];
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    AtomicBoolean running = new AtomicBoolean(true);
    try {
      for (int i = 0; i < 3; i++) {
        nodes[i] = ChildNode.start(configs.get(i), dir, "1g");
      }
      int active = awaitActiveWithSyncedStandby(metrics);
      List<KvStoreGrpcClient> conns = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        conns.add(Connections.open(vertx, grpc[c % 3], 1, 64L << 20).get(0));
      }
      ConcurrentLinkedQueue<Op> ops = new ConcurrentLinkedQueue<>();
      List<Acked> acked = Collections.synchronizedList(new ArrayList<>());
      AtomicLong wrongBytes = new AtomicLong();
      for (int c = 0; c < clients; c++) {
        startClient(vertx, c, c % 3, conns.get(c), valueSize, running, ops, acked, wrongBytes);
      }
      List<Long> putTimes = new ArrayList<>();
      List<Long> getTimes = new ArrayList<>();
      long lost = 0;
      long verified = 0;
      List<Double> steadyRates = new ArrayList<>();
      for (int k = 1; k <= kills; k++) {
        int cycleStartAcked = acked.size();
        long cycleStart = System.nanoTime();
        ops.clear();
        Thread.sleep((long) (warmup * 1000)); // load runs meanwhile: objects to lose, a steady rate to measure
        steadyRates.add(ops.stream().filter(Op::ok).count() / ((System.nanoTime() - cycleStart) / 1e9));
        long failedSteady = ops.stream().filter(o -> !o.ok()).count();
        for (int g = 0; g < 3; g++) {
          for (boolean put : new boolean[] {true, false}) {
            int gw = g;
            var lat = ops.stream().filter(o -> o.gateway() == gw && o.put() == put)
                .mapToLong(o -> (o.endNanos() - o.startNanos()) / 1000).summaryStatistics();
            System.out.printf("LATENCY gw-node-%d %s n=%d avg_us=%.0f max_us=%d%n", g + 1, put ? "put" : "get",
                lat.getCount(), lat.getAverage(), lat.getMax());
          }
        }
        ops.clear();
        long killed = System.nanoTime();
        nodes[active].kill();
        int dead = active;
        long[][] first = awaitFirstSuccesses(ops, dead, killed);
        StringBuilder line = new StringBuilder("KILL " + k + " node-" + (dead + 1));
        for (int g = 0; g < 3; g++) {
          if (g != dead) {
            putTimes.add(first[g][0]);
            getTimes.add(first[g][1]);
            line.append(String.format(" gw-node-%d put_ms=%d get_ms=%d", g + 1, first[g][0], first[g][1]));
          }
        }
        // Every object acknowledged at least a second before the kill reads back exact through node-3's gateway.
        List<Acked> window;
        synchronized (acked) {
          window = new ArrayList<>(acked.subList(cycleStartAcked, acked.size()));
        }
        window.removeIf(x -> x.atNanos() > killed - 1_000_000_000L || x.atNanos() < cycleStart);
        long[] check = verify(conns.get(2), window, valueSize);
        lost += check[0];
        wrongBytes.addAndGet(check[1]);
        verified += window.size();
        line.append(String.format(" steady_ops_per_s=%.0f steady_failures=%d", steadyRates.get(k - 1), failedSteady));
        line.append(" checked=").append(window.size()).append(" lost=").append(check[0]).append(" wrong=")
            .append(check[1]);
        System.out.println(line);
        nodes[dead] = ChildNode.start(configs.get(dead), dir, "1g"); // rejoins as the standby
        active = awaitActiveWithSyncedStandby(metrics);
        if (active == dead) {
          throw new IllegalStateException("the restarted node became the master");
        }
      }
      running.set(false);
      System.out.printf("RESULT first_put_ms median=%d max=%d n=%d%n", median(putTimes), max(putTimes), putTimes.size());
      System.out.printf("RESULT first_get_ms median=%d max=%d n=%d%n", median(getTimes), max(getTimes), getTimes.size());
      System.out.printf("RESULT acknowledged_1s_before_kill checked=%d lost=%d wrong_bytes=%d%n", verified, lost,
          wrongBytes.get());
    } finally {
      running.set(false);
      for (ChildNode n : nodes) {
        if (n != null) {
          n.close();
        }
      }
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  /** One client: a put (2 replicas) in four calls, gets of random acknowledged keys otherwise; 50 ms after a failure. */
  private static void startClient(Vertx vertx, int client, int gateway, KvStoreGrpcClient conn, int valueSize,
                                  AtomicBoolean running, ConcurrentLinkedQueue<Op> ops, List<Acked> acked,
                                  AtomicLong wrongBytes) {
    SplittableRandom random = new SplittableRandom(client);
    long[] next = {0};
    vertx.runOnContext(ignored -> new Runnable() {
      @Override
      public void run() {
        if (!running.get()) {
          return;
        }
        boolean put = random.nextInt(4) == 0 || acked.isEmpty();
        long start = System.nanoTime();
        Future<Boolean> call;
        if (put) {
          String key = "c" + client + "-" + next[0]++;
          ByteString value = Values.value(key, valueSize);
          call = conn.put(PutRequest.newBuilder().setKey(key).setValue(value)
              .setConfig(ReplicateConfig.newBuilder().setReplicaNum(2)).build()).map(r -> {
                if (r.getCode() == ErrorCode.OK) {
                  acked.add(new Acked(key, System.nanoTime()));
                }
                return r.getCode() == ErrorCode.OK;
              });
        } else {
          String key;
          synchronized (acked) {
            key = acked.get(random.nextInt(acked.size())).key();
          }
          call = conn.get(GetRequest.newBuilder().setKey(key).build()).map(r -> {
            if (r.getCode() == ErrorCode.OK && !r.getValue().equals(Values.value(key, valueSize))) {
              wrongBytes.incrementAndGet();
            }
            return r.getCode() == ErrorCode.OK;
          });
        }
        call.recover(failure -> Future.succeededFuture(false)).onComplete(ar -> {
          boolean ok = ar.result();
          ops.add(new Op(gateway, put, start, System.nanoTime(), ok));
          if (ok) {
            run();
          } else {
            vertx.setTimer(50, id -> run());
          }
        });
      }
    }.run());
  }

  /** Per surviving gateway: ms from the kill to the end of the first successful put and get started after it. */
  private static long[][] awaitFirstSuccesses(ConcurrentLinkedQueue<Op> ops, int dead, long killed)
      throws InterruptedException {
    long[][] first = {{-1, -1}, {-1, -1}, {-1, -1}};
    long deadline = killed + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      for (Op op : ops) {
        if (op.ok() && op.startNanos() >= killed && op.gateway() != dead) {
          long ms = (op.endNanos() - killed) / 1_000_000;
          int kind = op.put() ? 0 : 1;
          if (first[op.gateway()][kind] < 0 || ms < first[op.gateway()][kind]) {
            first[op.gateway()][kind] = ms;
          }
        }
      }
      boolean all = true;
      for (int g = 0; g < 3; g++) {
        all &= g == dead || (first[g][0] >= 0 && first[g][1] >= 0);
      }
      if (all) {
        return first;
      }
      Thread.sleep(20); // polling the recorded operations (a benchmark, not a synchronisation)
    }
    throw new IllegalStateException("no successful put and get through every surviving gateway within 60 s");
  }

  /** Reads each object back: {lost, wrong bytes}. */
  private static long[] verify(KvStoreGrpcClient via, List<Acked> objects, int valueSize) throws Exception {
    long[] out = new long[2];
    int parallel = 8;
    List<Future<Void>> loops = new ArrayList<>();
    AtomicLong next = new AtomicLong();
    for (int p = 0; p < parallel; p++) {
      Promise<Void> done = Promise.promise();
      loops.add(done.future());
      new Runnable() {
        @Override
        public void run() {
          long i = next.getAndIncrement();
          if (i >= objects.size()) {
            done.complete();
            return;
          }
          String key = objects.get((int) i).key();
          via.get(GetRequest.newBuilder().setKey(key).build()).onComplete(ar -> {
            synchronized (out) {
              if (ar.failed() || ar.result().getCode() != ErrorCode.OK) {
                out[0]++;
              } else if (!ar.result().getValue().equals(Values.value(key, valueSize))) {
                out[1]++;
              }
            }
            run();
          });
        }
      }.run();
    }
    Future.all(loops).await(300, TimeUnit.SECONDS);
    return out;
  }

  /** Index (0 or 1) of the active master once it has a synced standby and three segments are mounted. */
  private static int awaitActiveWithSyncedStandby(int[] metrics) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      for (int i = 0; i < 2; i++) {
        if (HaCluster.metric(metrics[i], "kvstore_master_active") == 1
            && HaCluster.metric(metrics[i], "kvstore_master_synced_standbys") == 1
            && HaCluster.metric(metrics[i], "kvstore_alloc_segments") == 3) {
          return i;
        }
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("no active master with a synced standby within 120 s");
  }

  private static long median(List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.isEmpty() ? -1 : sorted.get(sorted.size() / 2);
  }

  private static long max(List<Long> values) {
    return values.stream().mapToLong(Long::longValue).max().orElse(-1);
  }
}
