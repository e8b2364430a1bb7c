package io.kvcache.bench;

import com.google.protobuf.ByteString;
import io.kvcache.app.ConfigLoader;
import io.kvcache.app.Node;
import io.kvcache.proto.v1.*;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.WriteStream;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One measurement of the offload pipeline on a node started in this JVM: (1) DRAM→SSD: {@code --objects} values of
 * {@code --size} bytes are put with the offload worker paused, then the worker is released and timed until the SSD holds
 * them all; (2) SSD read-back: with every DRAM replica evicted, BatchGet of 32 random keys at a time (one batch in
 * flight, so 32 reads in flight at the SSD) for {@code --seconds}.
 * Prints {@code RESULT phase=offload mbps=...} and {@code RESULT phase=ssd_get size=... mbps=...}.
 */
public final class OffloadBench {
  private OffloadBench() {}

  /**
   * For a load generator outside this JVM (h2load; the in-process Java client costs more CPU per byte than the node):
   * writes one BatchGet request body of {@code batch} random keys per stream ({@code get-<i>.bin}: the gRPC prefix and
   * the message), prints {@code RESULT phase=<phase> port=...}, and waits until the file {@code done} appears there
   * (at most 10 minutes).
   */
  private static void serveForH2load(Path dir, int port, int streams, int batch, int objects, String phase)
      throws Exception {
    java.nio.file.Files.createDirectories(dir);
    SplittableRandom random = new SplittableRandom(3);
    for (int st = 0; st < streams; st++) {
      BatchGetRequest.Builder get = BatchGetRequest.newBuilder();
      for (int i = 0; i < batch; i++) {
        get.addKeys("obj-" + random.nextInt(objects));
      }
      byte[] message = get.build().toByteArray();
      java.nio.ByteBuffer body = java.nio.ByteBuffer.allocate(5 + message.length).put((byte) 0).putInt(message.length)
          .put(message);
      java.nio.file.Files.write(dir.resolve("get-" + st + ".bin"), body.array());
    }
    System.out.printf("RESULT phase=%s port=%d%n", phase, port);
    System.out.flush();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
    while (!java.nio.file.Files.exists(dir.resolve("done")) && System.nanoTime() < deadline) {
      Thread.sleep(50); // polling for the script's signal; nothing is measured here
    }
  }

  /**
   * The same h2load gets through a gateway-only node started in this JVM (it joins the cluster; the values sit on the
   * first node's SSD, so every byte crosses the node-to-node data connection): checks one BatchGet through it, then
   * serves as {@link #serveForH2load} does, in {@code dir/remote}, with {@code RESULT phase=serving_remote port=...}.
   */
  private static void serveThroughAnotherNode(JsonObject storageConfig, int storageClusterPort, Path dir, int streams,
                                              int batch, int objects, int size) throws Exception {
    int clusterPort = storageClusterPort + 1;
    JsonObject config = storageConfig.copy().put("node_name", "bench-gateway")
        .put("roles", new JsonArray(List.of("gateway"))).put("cluster_port", clusterPort)
        .put("cluster_members", new JsonArray(List.of("127.0.0.1:" + storageClusterPort, "127.0.0.1:" + clusterPort)))
        .put("grpc_uds_path", dir.resolve("gateway.sock").toString()); // the first node has the default one
    config.remove("segment_size");
    config.remove("enable_offload");
    config.remove("ssd_dir");
    Node gateway = Node.start(ConfigLoader.load(config, Map.of())).await(120, TimeUnit.SECONDS);
    Vertx vertx = Vertx.vertx();
    try {
      KvStoreGrpcClient client = Connections.open(vertx, gateway.grpcPort(), 1, 256L << 20).get(0);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (true) { // until its gateway knows the master: then one BatchGet of SSD-only keys must return them all
        BatchGetRequest get = BatchGetRequest.newBuilder().addKeys("obj-0").addKeys("obj-1").build();
        List<GetItem> items = new java.util.ArrayList<>();
        batchGet(client, get, items::add).await(60, TimeUnit.SECONDS);
        if (items.size() == 2 && items.stream().allMatch(i -> i.getCode() == ErrorCode.OK
            && i.getValue().size() == size)) {
          break;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("gets through the gateway node failed: " + items);
        }
        Thread.sleep(100); // waiting for the new node to find the master; nothing is measured yet
      }
      serveForH2load(dir.resolve("remote"), gateway.grpcPort(), streams, batch, objects, "serving_remote");
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
      gateway.stop().await(60, TimeUnit.SECONDS);
    }
  }

  /** One BatchGet, each item handed to {@code accept} as its chunk arrives; fails at the first item it refuses. */
  private static io.vertx.core.Future<Void> batchGet(KvStoreGrpcClient client, BatchGetRequest get,
                                                     java.util.function.Predicate<GetItem> accept) {
    return client.batchGet(get).compose(stream -> {
      io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
      stream.handler(c -> {
        for (GetItem item : c.getItemsList()) {
          if (!accept.test(item)) {
            done.tryFail("get failed: " + item.getCode());
          }
        }
      });
      stream.endHandler(x -> done.tryComplete());
      stream.exceptionHandler(done::tryFail);
      return done.future();
    });
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> a = Args.parse(args);
    int size = Integer.parseInt(a.getOrDefault("size", "1048576"));
    int objects = Integer.parseInt(a.getOrDefault("objects", "1024"));
    double seconds = Double.parseDouble(a.getOrDefault("seconds", "5"));
    Path dir = Path.of(a.getOrDefault("dir", "target/bench/offload"));
    int batch = Integer.parseInt(a.getOrDefault("batch", "32"));
    int streams = Integer.parseInt(a.getOrDefault("streams", "1"));
    long segment = (long) objects * size + (64L << 20);
    int clusterPort = 20_000 + new SplittableRandom().nextInt(12_000);
    JsonObject config = new JsonObject()
        .put("node_name", "bench").put("roles", new JsonArray(List.of("master", "storage", "gateway")))
        .put("grpc_port", 0).put("metrics_port", 0).put("cluster_port", clusterPort)
        .put("cluster_members", new JsonArray(List.of("127.0.0.1:" + clusterPort)))
        .put("cluster_name", "offload-bench-" + clusterPort)
        .put("segment_size", segment).put("enable_offload", true).put("ssd_dir", dir.toString())
        .put("load_buffer_size", Math.max(64L << 20, ((long) batch * size + 4095) / 4096 * 4096 * 2))
        .put("heartbeat_interval_ms", 20).put("lease_ttl_ms", 1000);
    Node node = Node.start(ConfigLoader.load(config, Map.of())).await(120, TimeUnit.SECONDS);
    Vertx vertx = Vertx.vertx();
    try {
      KvStoreGrpcClient client = Connections.open(vertx, node.grpcPort(), 1, 256L << 20).get(0);
      byte[] raw = new byte[size];
      new SplittableRandom(size).nextBytes(raw);
      ByteString value = ByteString.copyFrom(raw);

      node.storage().worker().pause();
      for (int first = 0; first < objects; first += 16) {
        BatchPutChunk.Builder chunk = BatchPutChunk.newBuilder();
        for (int k = first; k < Math.min(objects, first + 16); k++) {
          chunk.addItems(PutItem.newBuilder().setKey("obj-" + k).setValue(value));
        }
        BatchPutChunk body = chunk.build();
        BatchPutReply put = client.batchPut((WriteStream<BatchPutChunk> s, Throwable f) -> s.end(body))
            .await(120, TimeUnit.SECONDS);
        if (put.getStored() != body.getItemsCount()) {
          throw new IllegalStateException("puts failed: " + put.getCodesList());
        }
      }
      long t0 = System.nanoTime();
      node.storage().worker().resume();
      long deadline = t0 + TimeUnit.MINUTES.toNanos(10);
      while (node.storage().ssd().store().objectCount() < objects) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("offload did not finish");
        }
        Thread.sleep(2); // polling the SSD's object count; the interval bounds the measurement error (2 ms)
      }
      double offloadSeconds = (System.nanoTime() - t0) / 1e9;
      System.out.printf("RESULT phase=offload size=%d objects=%d seconds=%.3f mbps=%.1f%n", size, objects,
          offloadSeconds, (double) objects * size / offloadSeconds / 1e6);

      while (node.master().segments().allocatedBytes() > 0) { // drop every DRAM replica
        node.master().evict(1.0, 1.0, true);
      }
      // The SSD engine alone: batches of 32 random keys loaded straight into the load buffers (no gateway, no bus).
      io.kvcache.ssd.SsdNode ssd = node.storage().ssd();
      SplittableRandom engineRandom = new SplittableRandom(11);
      long engineBytes = 0;
      long engineStart = System.nanoTime();
      long engineEnd = engineStart + (long) (seconds * 1e9 / 2);
      while (System.nanoTime() < engineEnd) {
        java.util.List<io.kvcache.ssd.bucket.SsdKey> keys = new java.util.ArrayList<>(batch);
        long[] sizes = new long[batch];
        for (int i = 0; i < batch; i++) {
          keys.add(io.kvcache.ssd.bucket.SsdKey.of(
              io.kvcache.replica.KeyCodec.encode("", "obj-" + engineRandom.nextInt(objects))));
          sizes[i] = size;
        }
        var loaded = ssd.loads().load("bench", keys, sizes);
        ssd.buffers().release(loaded.value().batchId(), "bench");
        engineBytes += (long) batch * size;
      }
      double engineSeconds = (System.nanoTime() - engineStart) / 1e9;
      System.out.printf("RESULT phase=engine_load size=%d batch=%d mbps=%.1f%n", size, batch,
          engineBytes / engineSeconds / 1e6);

      if (a.containsKey("h2load-bodies")) {
        serveForH2load(Path.of(a.get("h2load-bodies")), node.grpcPort(), streams, batch, objects, "serving");
        if (a.containsKey("via-gateway-node")) {
          serveThroughAnotherNode(config, clusterPort, Path.of(a.get("h2load-bodies")), streams, batch, objects, size);
        }
      }

      // End to end: `streams` BatchGets of `batch` keys in flight over one connection, for `seconds`.
      java.util.concurrent.atomic.AtomicLong got = new java.util.concurrent.atomic.AtomicLong();
      long start = System.nanoTime();
      long end = start + (long) (seconds * 1e9);
      ClosedLoops.run(streams, end, st -> {
        SplittableRandom random = new SplittableRandom(7 + st);
        return () -> {
          BatchGetRequest.Builder get = BatchGetRequest.newBuilder();
          for (int i = 0; i < batch; i++) {
            get.addKeys("obj-" + random.nextInt(objects));
          }
          return batchGet(client, get.build(), item -> {
            got.addAndGet(size);
            return item.getCode() == ErrorCode.OK && item.getValue().size() == size;
          });
        };
      }, first -> vertx.runOnContext(v -> first.run()));
      long bytes = got.get();
      double getSeconds = (System.nanoTime() - start) / 1e9;
      System.out.printf("RESULT phase=ssd_get size=%d batch=%d streams=%d seconds=%.3f mbps=%.1f ssd_fixed_reads=%s%n",
          size, batch, streams,
          getSeconds, bytes / getSeconds / 1e6, node.storage().ssd().uringStats() == null ? "n/a"
              : String.valueOf(node.storage().ssd().uringStats().fixedReads()));
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
      node.stop().await(60, TimeUnit.SECONDS);
    }
  }
}
