package io.kvcache.e2e;

import com.google.protobuf.ByteString;
import io.kvcache.app.Node;
import io.kvcache.proto.v1.*;
import io.kvcache.testing.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

import static io.kvcache.testing.TestNodes.await;
import static io.kvcache.testing.Values.value;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Gets and batch gets racing a stream of puts that, through a segment a fraction of their size, keeps evicting objects
 * and reusing their memory (leases of 20 ms, so eviction frees what was read a moment ago): every value that comes back
 * is exactly the one written under its key (each key's bytes are derived from the key), never bytes of another object.
 */
class EvictionReuseTest {
  private static final int VALUE_BYTES = 256 << 10;
  private static final int PUTS = 320; // 80 MiB through a 16 MiB segment

  private static Node node;
  private static Vertx clientVertx;
  private static KvStoreGrpcClient client;

  @BeforeAll
  static void start() {
    node = TestNodes.start(TestNodes.singleNode("16MiB").put("lease_ttl_ms", 20));
    clientVertx = Vertx.vertx();
    client = TestNodes.client(clientVertx, node.grpcPort());
  }

  @AfterAll
  static void stop() {
    TestNodes.stop(node);
    TestNodes.close(clientVertx);
  }

  private static String key(int i) {
    return "reuse-" + i;
  }

  @Test
  void everyValueReadIsTheOneWrittenUnderItsKey() {
    SplittableRandom random = new SplittableRandom(13);
    int hits = 0, misses = 0;
    for (int i = 0; i < PUTS; i++) {
      List<Future<?>> round = new ArrayList<>();
      round.add(client.put(PutRequest.newBuilder().setKey(key(i)).setValue(value(key(i), VALUE_BYTES)).build())
          .map(reply -> {
            assertNotEquals(ErrorCode.INVALID_PARAMS, reply.getCode());
            return reply;
          }));
      if (i > 0) {
        // A recent key (likely still stored) and a batch reaching back past what the segment holds.
        String one = key(Math.max(0, i - 1 - random.nextInt(Math.min(i, 40))));
        round.add(client.get(GetRequest.newBuilder().setKey(one).build())
            .map(reply -> new Checked(List.of(one), List.of(reply.getCode()), List.of(reply.getValue()))));
        List<String> batch = new ArrayList<>();
        for (int j = 0; j < 8; j++) {
          batch.add(key(Math.max(0, i - 1 - random.nextInt(Math.min(i, 100)))));
        }
        List<ErrorCode> codes = new ArrayList<>(Collections.nCopies(batch.size(), null));
        List<ByteString> values = new ArrayList<>(Collections.nCopies(batch.size(), null));
        round.add(Streams.onContext(clientVertx, () -> client.batchGet(BatchGetRequest.newBuilder().addAllKeys(batch)
                .build())
            .compose(stream -> Streams.consume(stream, chunk -> {
              for (GetItem item : chunk.getItemsList()) {
                codes.set(item.getIndex(), item.getCode());
                values.set(item.getIndex(), item.getValue());
              }
            })))
            .map(ended -> new Checked(batch, codes, values)));
      }
      awaitEach(i, round);
      for (Future<?> f : round) {
        if (f.result() instanceof Checked checked) {
          for (int j = 0; j < checked.keys.size(); j++) {
            ErrorCode code = checked.codes.get(j);
            assertNotNull(code, "item " + j + " answered");
            if (code == ErrorCode.OK) {
              assertEquals(value(checked.keys.get(j), VALUE_BYTES), checked.values.get(j),
                  "the bytes of " + checked.keys.get(j) + " and of nothing else");
              hits++;
            } else {
              assertTrue(code == ErrorCode.OBJECT_NOT_FOUND || code == ErrorCode.LEASE_EXPIRED,
                  checked.keys.get(j) + ": " + code);
              misses++;
            }
          }
        }
      }
    }
    assertTrue(hits > 100, "reads found stored values: " + hits);
    assertTrue(misses > 0, "eviction removed objects that were read before: " + misses);
    await(client.removeAll(RemoveAllRequest.newBuilder().setForce(true).build()));
  }

  /** Waits for every call of round {@code i}, naming the one that did not answer (put, get, batch get). */
  private static void awaitEach(int i, List<Future<?>> round) {
    String[] names = {"put", "get", "batch get"};
    for (int c = 0; c < round.size(); c++) {
      try {
        await(round.get(c));
      } catch (AssertionError e) {
        throw new AssertionError("round " + i + ": the " + names[c] + " did not answer", e);
      }
    }
  }

  private record Checked(List<String> keys, List<ErrorCode> codes, List<ByteString> values) {}
}
