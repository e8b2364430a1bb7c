package io.kvcache.bench;

import com.google.protobuf.ByteString;
import io.kvcache.proto.v1.*;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.streams.WriteStream;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Keys per second through the gRPC API with batches (as engines call it): BatchPut of small values, BatchExists and
 * BatchGet of {@code --batch} keys, {@code --clients} connections with one batch in flight each. Puts write fresh keys
 * (the store does not overwrite); exists/get probe random keys of the put set.
 * Prints {@code RESULT op=<batch_put|batch_exists|batch_get> batch=<n> keys_per_s=<k/s> seconds=<s>}.
 */
public final class MetadataLoad {
  private MetadataLoad() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = Args.parse(args);
    int port = Integer.parseInt(a.getOrDefault("port", "50051"));
    int clients = Integer.parseInt(a.getOrDefault("clients", "8"));
    int batch = Integer.parseInt(a.getOrDefault("batch", "128"));
    int valueSize = Integer.parseInt(a.getOrDefault("value", "4096"));
    int keys = Integer.parseInt(a.getOrDefault("keys", "100000"));
    double seconds = Double.parseDouble(a.getOrDefault("seconds", "10"));
    java.util.Set<String> ops = java.util.Set.of(a.getOrDefault("ops", "put,exists,get").split(","));
    measure(port, clients, batch, valueSize, keys, seconds, ops);
  }

  /**
   * Runs the put phase and then the asked probes ({@code exists}, {@code get}) against the gateway on {@code port};
   * prints a RESULT line per phase and returns keys/s by op name.
   */
  static Map<String, Double> measure(int port, int clients, int batch, int valueSize, int keys, double seconds,
                                     java.util.Set<String> ops) throws Exception {
    Map<String, Double> rates = new java.util.LinkedHashMap<>();
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(Math.min(clients, 4)));
    try {
      List<KvStoreGrpcClient> conns = Connections.open(vertx, port, clients, 64L << 20);
      byte[] raw = new byte[valueSize];
      new SplittableRandom(1).nextBytes(raw);
      ByteString value = ByteString.copyFrom(raw);
      conns.get(0).removeAll(RemoveAllRequest.newBuilder().setForce(true).build()).await(120, TimeUnit.SECONDS);
      // warm-up, then the timed put phase; the put set is what exists/get probe afterwards
      run(conns, Math.min(2, seconds), "batch_put", batch, keys, value, "warm", false, rates);
      conns.get(0).removeAll(RemoveAllRequest.newBuilder().setForce(true).build()).await(120, TimeUnit.SECONDS);
      long putKeys = run(conns, seconds, "batch_put", batch, keys, value, "k", true, rates);
      int probeSpace = (int) Math.min(putKeys, keys);
      if (ops.contains("exists")) {
        run(conns, seconds, "batch_exists", batch, probeSpace, value, "k", true, rates);
      }
      if (ops.contains("get")) {
        run(conns, seconds, "batch_get", batch, probeSpace, value, "k", true, rates);
      }
      conns.get(0).removeAll(RemoveAllRequest.newBuilder().setForce(true).build()).await(120, TimeUnit.SECONDS);
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
    return rates;
  }

  /** Runs {@code op} on every connection for {@code seconds}; returns keys processed (for puts: keys stored). */
  private static long run(List<KvStoreGrpcClient> conns, double seconds, String op, int batch, int keySpace,
                          ByteString value, String prefix, boolean report, Map<String, Double> rates)
      throws Exception {
    AtomicLong keysDone = new AtomicLong();
    AtomicLong nextKey = new AtomicLong();
    long start = System.nanoTime();
    ClosedLoops.run(conns.size(), ClosedLoops.after(seconds), c -> new Supplier<Future<?>>() {
      final KvStoreGrpcClient client = conns.get(c);
      final SplittableRandom random = new SplittableRandom(c);

      @Override
      public Future<?> get() {
        if (op.equals("batch_put") && nextKey.get() >= keySpace) {
          return null;
        }
        Future<Integer> call = switch (op) {
          case "batch_put" -> put();
          case "batch_exists" -> client.batchExists(BatchExistsRequest.newBuilder().addAllKeys(probe()).build())
              .map(r -> (int) r.getExistsList().stream().filter(b -> b).count());
          default -> client.batchGet(BatchGetRequest.newBuilder().addAllKeys(probe()).build()).compose(stream -> {
            Promise<Integer> hits = Promise.promise();
            int[] n = {0};
            stream.handler(chunk -> chunk.getItemsList().forEach(i -> n[0] += i.getCode() == ErrorCode.OK ? 1 : 0));
            stream.endHandler(v -> hits.complete(n[0]));
            stream.exceptionHandler(hits::tryFail);
            return hits.future();
          });
        };
        return call.onSuccess(keysDone::addAndGet);
      }

      Future<Integer> put() {
        long first = nextKey.getAndAdd(batch);
        BatchPutChunk.Builder chunk = BatchPutChunk.newBuilder();
        for (long k = first; k < first + batch && k < keySpace; k++) {
          chunk.addItems(PutItem.newBuilder().setKey(prefix + k).setValue(value));
        }
        BatchPutChunk body = chunk.build();
        return client.batchPut((WriteStream<BatchPutChunk> s, Throwable failure) -> {
          if (failure == null) {
            s.end(body);
          }
        }).map(BatchPutReply::getStored);
      }

      List<String> probe() {
        List<String> out = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
          out.add(prefix + random.nextInt(keySpace));
        }
        return out;
      }
    });
    double elapsed = (System.nanoTime() - start) / 1e9;
    if (report) {
      rates.put(op, keysDone.get() / elapsed);
      System.out.printf("RESULT op=%s batch=%d keys=%d seconds=%.2f keys_per_s=%.0f%n", op, batch, keysDone.get(), elapsed,
          keysDone.get() / elapsed);
    }
    return keysDone.get();
  }
}
