package io.kvcache.bench;

import com.google.protobuf.ByteString;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.GetReply;
import io.kvcache.proto.v1.GetRequest;
import io.kvcache.proto.v1.KvStoreGrpcClient;
import io.kvcache.proto.v1.PutReply;
import io.kvcache.proto.v1.PutRequest;
import io.kvcache.proto.v1.RemoveAllRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Put-then-get load against a running node, shaped like redis-benchmark: {@code --clients} connections, each with one
 * request in flight, the same value bytes for every put. Puts go to {@code --keys} distinct keys (the store refuses to
 * overwrite, so rounds are separated by an untimed RemoveAll); gets read random keys of that set for {@code --seconds}.
 * Prints one machine-readable line per phase: {@code RESULT op=<put|get> size=<bytes> ops=<n> seconds=<s> mbps=<MB/s>}.
 *
 * <p>Usage: {@code ./kvstore java io.kvcache.bench.StoreLoad --port 50051 --size 65536 --keys 10000 --seconds 5}
 */
public final class StoreLoad {
  private StoreLoad() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = Args.parse(args);
    int port = Integer.parseInt(a.getOrDefault("port", "50051"));
    int clients = Integer.parseInt(a.getOrDefault("clients", "8"));
    int size = Integer.parseInt(a.getOrDefault("size", "65536"));
    int keys = Integer.parseInt(a.getOrDefault("keys", "10000"));
    double seconds = Double.parseDouble(a.getOrDefault("seconds", "5"));
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(clients));
    try {
      List<KvStoreGrpcClient> conns = Connections.open(vertx, port, clients, size + (1L << 20));
      byte[] bytes = new byte[size];
      new SplittableRandom(size).nextBytes(bytes);
      ByteString value = ByteString.copyFrom(bytes);
      // warm-up: one untimed round of each
      runPuts(conns, value, keys, "warm");
      runGets(conns, keys, Math.min(2, seconds), "warm");
      clear(conns.get(0));
      long putOps = 0;
      long putNanos = 0;
      int round = 0;
      while (putNanos < seconds * 1e9) {
        long t0 = System.nanoTime();
        putOps += runPuts(conns, value, keys, "r" + round);
        putNanos += System.nanoTime() - t0;
        clear(conns.get(0));
        round++;
      }
      report("put", size, putOps, putNanos);
      runPuts(conns, value, keys, "get");
      long t0 = System.nanoTime();
      long getOps = runGets(conns, keys, seconds, "get");
      report("get", size, getOps, System.nanoTime() - t0);
      clear(conns.get(0));
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  private static void report(String op, int size, long ops, long nanos) {
    double s = nanos / 1e9;
    System.out.printf("RESULT op=%s size=%d ops=%d seconds=%.2f mbps=%.1f%n", op, size, ops, s, ops * (double) size / s / 1e6);
  }

  private static void clear(KvStoreGrpcClient client) throws Exception {
    client.removeAll(RemoveAllRequest.newBuilder().setForce(true).build()).await(120, TimeUnit.SECONDS);
  }

  /** Each client puts its share of the keys, one request in flight; returns the number of successful puts. */
  private static long runPuts(List<KvStoreGrpcClient> conns, ByteString value, int keys, String prefix)
      throws Exception {
    AtomicLong ok = new AtomicLong();
    ClosedLoops.run(conns.size(), ClosedLoops.UNTIL_DONE, c -> {
      KvStoreGrpcClient client = conns.get(c);
      int[] next = {c};
      return () -> {
        if (next[0] >= keys) {
          return null;
        }
        String key = prefix + "-" + next[0];
        next[0] += conns.size();
        return checked("put " + key, ok, client.put(PutRequest.newBuilder().setKey(key).setValue(value).build())
            .map(PutReply::getCode));
      };
    });
    return ok.get();
  }

  /** Each client gets random keys of the put set until the time is up; returns the number of successful gets. */
  private static long runGets(List<KvStoreGrpcClient> conns, int keys, double seconds, String prefix) throws Exception {
    AtomicLong ok = new AtomicLong();
    ClosedLoops.run(conns.size(), ClosedLoops.after(seconds), c -> {
      KvStoreGrpcClient client = conns.get(c);
      SplittableRandom random = new SplittableRandom(c);
      return () -> {
        String key = prefix + "-" + random.nextInt(keys);
        return checked("get " + key, ok, client.get(GetRequest.newBuilder().setKey(key).build()).map(GetReply::getCode));
      };
    });
    return ok.get();
  }

  /** Counts an OK reply; any other code fails the run. */
  private static Future<Void> checked(String what, AtomicLong ok, Future<ErrorCode> reply) {
    return reply.compose(code -> {
      if (code != ErrorCode.OK) {
        return Future.failedFuture(what + ": " + code);
      }
      ok.incrementAndGet();
      return Future.succeededFuture();
    });
  }
}
