package io.kvcache.bench;

import com.google.protobuf.ByteString;
import io.kvcache.proto.v1.*;
import io.vertx.core.Vertx;
import io.vertx.core.streams.WriteStream;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Issue 11: does a worst-case RemoveByRegex stall other clients? Fills a namespace with long keys, then has one
 * connection issue Gets back to back (a) alone, before and after, and (b) while another connection runs a RemoveByRegex with a pattern near
 * the program cap (2,003 RE2 instructions) that matches none of them, so it scans until its budget refuses it. Prints
 * Get latency percentiles for both, and the duration of the nested-quantifier pattern over keys of 25 'a's and
 * a '!'.
 */
public final class RegexStall {
  private RegexStall() {}

  private static final String WORST = "(?:.?){1000}x";

  public static void main(String[] args) throws Exception {
    Map<String, String> a = Args.parse(args);
    int port = Integer.parseInt(a.getOrDefault("port", "50051"));
    int keys = Integer.parseInt(a.getOrDefault("keys", "2000"));
    int keyBytes = Integer.parseInt(a.getOrDefault("key-bytes", "4000"));
    double baselineSeconds = Double.parseDouble(a.getOrDefault("baseline-seconds", "5"));
    Vertx vertx = Vertx.vertx();
    List<KvStoreGrpcClient> clients = Connections.open(vertx, port, 2, 64L << 20);
    KvStoreGrpcClient remover = clients.get(0);
    KvStoreGrpcClient reader = clients.get(1);
    fill(remover, "rx-bench", keys, keyBytes);
    fill(remover, "rx-nested", 8, -1);
    check(reader.put(PutRequest.newBuilder().setNamespace("rx-probe").setKey("probe")
        .setValue(ByteString.copyFrom(new byte[4096])).build()).await(10, TimeUnit.SECONDS).getCode());

    long nestedStart = System.nanoTime();
    RemoveByRegexReply nested = remover.removeByRegex(RemoveByRegexRequest.newBuilder().setNamespace("rx-nested")
        .setRegex("(a+)+$").build()).await(60, TimeUnit.SECONDS);
    System.out.printf("RESULT nested_quantifier pattern=(a+)+$ keys=8 code=%s removed=%d ms=%.1f%n",
        nested.getCode(), nested.getRemoved(), (System.nanoTime() - nestedStart) / 1e6);

    long baselineEnd = System.nanoTime() + (long) (baselineSeconds * 1e9);
    List<Long> alone = new ArrayList<>();
    while (System.nanoTime() < baselineEnd) {
      alone.add(timedGet(reader));
    }
    report("get_alone", alone);

    long start = System.nanoTime();
    var removal = remover.removeByRegex(RemoveByRegexRequest.newBuilder().setNamespace("rx-bench").setRegex(WORST)
        .build());
    List<Long> during = new ArrayList<>();
    while (!removal.isComplete() && during.size() < 10_000_000) {
      during.add(timedGet(reader));
    }
    RemoveByRegexReply refused = removal.await(120, TimeUnit.SECONDS);
    System.out.printf("RESULT worst_case_removal pattern=%s keys=%d key_bytes=%d code=%s removed=%d ms=%.1f "
            + "message=\"%s\"%n", WORST, keys, keyBytes, refused.getCode(), refused.getRemoved(),
        (System.nanoTime() - start) / 1e6, refused.getMessage());
    report("get_during_removal", during);
    List<Long> after = new ArrayList<>();
    long afterEnd = System.nanoTime() + (long) (baselineSeconds * 1e9);
    while (System.nanoTime() < afterEnd) {
      after.add(timedGet(reader));
    }
    report("get_alone_after", after);
    remover.removeAll(RemoveAllRequest.newBuilder().setAllNamespaces(true).setForce(true).build())
        .await(120, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** Keys of {@code keyBytes} 'a's and a number (or, with -1, 25 'a's, '!' and a number), tiny values. */
  private static void fill(KvStoreGrpcClient client, String namespace, int count, int keyBytes) throws Exception {
    for (int from = 0; from < count; from += 256) {
      BatchPutChunk.Builder chunk = BatchPutChunk.newBuilder().setNamespace(namespace);
      for (int i = from; i < Math.min(count, from + 256); i++) {
        String key = keyBytes < 0 ? "a".repeat(25) + "!" + i : "a".repeat(keyBytes) + i;
        chunk.addItems(PutItem.newBuilder().setKey(key).setValue(ByteString.copyFrom(new byte[16])));
      }
      BatchPutChunk body = chunk.build();
      BatchPutReply reply = client.batchPut((WriteStream<BatchPutChunk> s, Throwable f) -> s.end(body))
          .await(60, TimeUnit.SECONDS);
      for (ErrorCode code : reply.getCodesList()) {
        check(code);
      }
    }
  }

  private static long timedGet(KvStoreGrpcClient client) throws Exception {
    long t0 = System.nanoTime();
    check(client.get(GetRequest.newBuilder().setNamespace("rx-probe").setKey("probe").build())
        .await(60, TimeUnit.SECONDS).getCode());
    return System.nanoTime() - t0;
  }

  private static void check(ErrorCode code) {
    if (code != ErrorCode.OK) {
      throw new IllegalStateException("unexpected " + code);
    }
  }

  private static void report(String what, List<Long> nanos) {
    long[] sorted = nanos.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(sorted);
    if (sorted.length == 0) {
      System.out.printf("RESULT %s gets=0%n", what);
      return;
    }
    System.out.printf("RESULT %s gets=%d p50_ms=%.2f p99_ms=%.2f p999_ms=%.2f max_ms=%.2f%n", what, sorted.length,
        at(sorted, 0.50), at(sorted, 0.99), at(sorted, 0.999), sorted[sorted.length - 1] / 1e6);
  }

  private static double at(long[] sorted, double quantile) {
    return sorted[Math.min(sorted.length - 1, (int) (quantile * sorted.length))] / 1e6;
  }
}
