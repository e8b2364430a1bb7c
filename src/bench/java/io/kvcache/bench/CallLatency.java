package io.kvcache.bench;

import com.google.protobuf.ByteString;
import io.kvcache.proto.v1.*;
import io.vertx.core.Vertx;
import io.vertx.core.streams.WriteStream;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Sequential single calls of each shape, timed one by one: where does a call's latency go? */
public final class CallLatency {
  private CallLatency() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = Args.parse(args);
    int port = Integer.parseInt(a.getOrDefault("port", "50051"));
    int batch = Integer.parseInt(a.getOrDefault("batch", "128"));
    int n = Integer.parseInt(a.getOrDefault("calls", "200"));
    Vertx vertx = Vertx.vertx();
    KvStoreGrpcClient client = Connections.open(vertx, port, 1, 64L << 20).get(0);
    ByteString value = ByteString.copyFrom(new byte[Integer.parseInt(a.getOrDefault("value", "64"))]);
    for (String shape : new String[] {"put", "batch_put", "batch_exists", "put", "batch_put", "batch_exists"}) {
      long total = 0;
      for (int i = 0; i < n; i++) {
        long t0 = System.nanoTime();
        switch (shape) {
          case "put" -> client.put(PutRequest.newBuilder().setKey(shape + i + "-" + t0).setValue(value).build())
              .await(10, TimeUnit.SECONDS);
          case "batch_put" -> {
            BatchPutChunk.Builder chunk = BatchPutChunk.newBuilder();
            for (int k = 0; k < batch; k++) {
              chunk.addItems(PutItem.newBuilder().setKey(shape + i + "-" + k + "-" + t0).setValue(value));
            }
            BatchPutChunk body = chunk.build();
            client.batchPut((WriteStream<BatchPutChunk> s, Throwable f) -> s.end(body)).await(10, TimeUnit.SECONDS);
          }
          default -> {
            BatchExistsRequest.Builder req = BatchExistsRequest.newBuilder();
            for (int k = 0; k < batch; k++) {
              req.addKeys("x" + k);
            }
            client.batchExists(req.build()).await(10, TimeUnit.SECONDS);
          }
        }
        total += System.nanoTime() - t0;
      }
      System.out.printf("%-13s %8.3f ms/call%n", shape, total / 1e6 / n);
    }
    client.removeAll(RemoveAllRequest.newBuilder().setForce(true).build()).await(60, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }
}
