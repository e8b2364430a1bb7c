package io.kvcache.e2e;

import com.google.protobuf.ByteString;
import io.kvcache.master.MasterRole;
import io.kvcache.app.Node;
import io.kvcache.proto.v1.*;
import io.kvcache.replica.Shard;
import io.kvcache.testing.Await;
import io.kvcache.testing.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static io.kvcache.testing.Values.value;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Many clients put, get, probe, remove and copy on two small segments while eviction keeps running. Every value read
 * must be exactly the one written (a leased replica evicted under a reader would show up as foreign bytes), a pinned
 * copy source must stay readable until the copy ends, and once everything is removed the accounting is back to zero:
 * no allocated bytes, no objects, no pins, no leases.
 */
class ConcurrentLifecycleTest {
  private static final int WORKERS = 12;
  private static final int OPS_PER_WORKER = 250;
  private static final int KEYS = 400;

  private Node a;
  private Node b;
  private Vertx clientVertx;

  @AfterEach
  void stop() {
    TestNodes.stop(b);
    TestNodes.stop(a);
    TestNodes.close(clientVertx);
  }

  private static int sizeOf(int key) {
    return 16_384 + (key * 7919 % 16) * 16_384; // 16 KiB .. 256 KiB
  }

  @Test
  void evictionUnderLoadNeverTakesLeasedOrPinnedDataAndLeaksNothing() throws Exception {
    String cluster = TestNodes.uniqueCluster();
    int portA = TestNodes.freePort(), portB = TestNodes.freePort();
    List<Integer> members = List.of(portA, portB);
    a = TestNodes.start(TestNodes.config(cluster, "node-a", portA, members, List.of("master", "storage", "gateway"), "24MiB"));
    b = TestNodes.start(TestNodes.config(cluster, "node-b", portB, members, List.of("storage", "gateway"), "24MiB"));
    Await.until("both segments mounted", Duration.ofSeconds(60), () -> a.master().segments().snapshot().length == 2);
    clientVertx = Vertx.vertx();
    List<KvStoreGrpcClient> clients = List.of(TestNodes.client(clientVertx, a.grpcPort()),
        TestNodes.client(clientVertx, b.grpcPort()));

    ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
    AtomicInteger gets = new AtomicInteger(), copies = new AtomicInteger();
    AtomicLong storedBytes = new AtomicLong();
    List<Future<Void>> done = new ArrayList<>();
    for (int w = 0; w < WORKERS; w++) {
      KvStoreGrpcClient client = clients.get(w % 2);
      SplittableRandom random = new SplittableRandom(w);
      Promise<Void> finished = Promise.promise();
      done.add(finished.future());
      clientVertx.runOnContext(ignored -> step(client, random, OPS_PER_WORKER, violations, gets, copies, storedBytes, finished));
    }
    TestNodes.await(Future.all(done), 240);
    assertTrue(violations.isEmpty(), String.join("\n", violations));
    long capacity = a.master().segments().capacityBytes();
    assertTrue(storedBytes.get() > capacity, "stored " + storedBytes.get() + " bytes through " + capacity + " of DRAM");
    assertTrue(gets.get() > 100, "reads checked: " + gets.get());
    assertTrue(copies.get() > 5, "copies checked: " + copies.get());
    MasterRole master = a.master();
    assertTrue(master.shards().shared().metrics().evictedKeys.count() > 0, "eviction ran");

    TestNodes.await(clients.get(0).removeAll(RemoveAllRequest.newBuilder().setForce(true).build()));
    assertEquals(0, master.shards().sum(Shard::objectCount));
    assertEquals(0, master.shards().shared().livePins().get(), "no pin leaked");
    assertEquals(0, master.shards().sum(Shard::liveLeases), "no lease left behind");
    assertEquals(0, master.shards().sum(r -> r.replication().count()), "no task left behind");
    assertEquals(0, a.master().segments().allocatedBytes(), "every byte given back");
  }

  /** One random operation, then the next, until {@code left} reaches zero; all on the client's event loop. */
  private static void step(KvStoreGrpcClient client, SplittableRandom random, int left,
                           ConcurrentLinkedQueue<String> violations, AtomicInteger gets, AtomicInteger copies,
                           AtomicLong storedBytes, Promise<Void> finished) {
    if (left == 0) {
      finished.complete();
      return;
    }
    int key = random.nextInt(KEYS);
    String name = "k" + key;
    ByteString expected = value(name, sizeOf(key));
    int dice = random.nextInt(100);
    Future<?> op;
    if (dice < 45) {
      op = client.put(PutRequest.newBuilder().setKey(name).setValue(expected).build()).onSuccess(r -> {
        if (r.getCode() == ErrorCode.OK) {
          storedBytes.addAndGet(expected.size());
        } else if (r.getCode() != ErrorCode.OBJECT_ALREADY_EXISTS && r.getCode() != ErrorCode.NO_AVAILABLE_HANDLE) {
          violations.add("put " + name + ": " + r.getCode());
        }
      });
    } else if (dice < 80) {
      op = client.get(GetRequest.newBuilder().setKey(name).build()).onSuccess(r -> {
        if (r.getCode() == ErrorCode.OK) {
          gets.incrementAndGet();
          if (!r.getValue().equals(expected)) {
            violations.add("get " + name + " returned foreign bytes");
          }
        } else if (r.getCode() != ErrorCode.OBJECT_NOT_FOUND && r.getCode() != ErrorCode.REPLICA_IS_NOT_READY) {
          violations.add("get " + name + ": " + r.getCode());
        }
      });
    } else if (dice < 90) {
      op = client.remove(RemoveRequest.newBuilder().setKey(name).setForce(random.nextBoolean()).build());
    } else {
      op = copy(client, name, expected, violations, copies);
    }
    op.onComplete(ar -> {
      if (ar.failed()) {
        violations.add("call failed: " + ar.cause());
      }
      step(client, random, left - 1, violations, gets, copies, storedBytes, finished);
    });
  }

  /** Copies the object to the other segment; while the copy runs its pinned source must stay intact. */
  private static Future<?> copy(KvStoreGrpcClient client, String name, ByteString expected,
                                ConcurrentLinkedQueue<String> violations, AtomicInteger copies) {
    return client.getReplicaList(GetReplicaListRequest.newBuilder().setKey(name).build()).compose(list -> {
      if (list.getCode() != ErrorCode.OK || list.getReplicasCount() != 1) {
        return Future.succeededFuture();
      }
      String source = list.getReplicas(0).getSegmentName();
      String target = source.equals("node-a") ? "node-b" : "node-a";
      return client.copyStart(CopyStartRequest.newBuilder().setKey(name).setSourceSegment(source)
          .addTargetSegments(target).build()).compose(started -> {
            if (started.getCode() != ErrorCode.OK) {
              return Future.succeededFuture();
            }
            // The source is pinned and leased now; let eviction race with the copy by reading in two halves.
            ReadSliceRequest.Builder read = ReadSliceRequest.newBuilder().setKey(name)
                .setReplicaId(started.getSource().getReplicaId());
            int half = expected.size() / 2;
            return client.readSlice(read.setOffset(0).setLength(half).build())
                .compose(first -> client.readSlice(read.setOffset(half).setLength(expected.size() - half).build())
                    .map(second -> first.getData().concat(second.getData())))
                .compose(bytes -> {
                  if (!bytes.equals(expected)) {
                    violations.add("pinned source of " + name + " changed during the copy");
                  }
                  if (started.getTargetsCount() == 0) {
                    return client.copyEnd(ReplicationKey.newBuilder().setKey(name).build());
                  }
                  return client.writeSlice(WriteSliceRequest.newBuilder().setKey(name)
                          .setReplicaId(started.getTargets(0).getReplicaId()).setOffset(0).setData(bytes).build())
                      .compose(w -> client.copyEnd(ReplicationKey.newBuilder().setKey(name).build()));
                })
                .onSuccess(end -> {
                  if (end.getCode() == ErrorCode.OK) {
                    copies.incrementAndGet();
                  } else {
                    violations.add("copy end of " + name + ": " + end.getCode());
                  }
                });
          });
    });
  }
}
