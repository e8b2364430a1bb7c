package io.kvcache.e2e;

import com.google.protobuf.ByteString;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.GetReply;
import io.kvcache.proto.v1.GetRequest;
import io.kvcache.proto.v1.KvStoreGrpcClient;
import io.kvcache.proto.v1.PutReply;
import io.kvcache.proto.v1.PutRequest;
import io.kvcache.proto.v1.ReplicateConfig;
import io.kvcache.testing.Await;
import io.kvcache.testing.ChildNode;
import io.kvcache.testing.HaCluster;
import io.kvcache.testing.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.kvcache.testing.HaCluster.metric;
import static io.kvcache.testing.Values.value;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Master failover on three nodes: A and B (master + storage + gateway, child JVMs; one active, the other its hot
 * standby) and C (storage + gateway). Load goes through the gateways that survive.
 */
@Timeout(180)
class MasterFailoverTest {
  private HaCluster cluster;
  private Vertx clientVertx;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
    TestNodes.close(clientVertx);
  }

  private KvStoreGrpcClient client(int port) {
    if (clientVertx == null) {
      clientVertx = Vertx.vertx();
    }
    return TestNodes.client(clientVertx, port);
  }

  private static ErrorCode put(KvStoreGrpcClient via, String key, ByteString v, int replicas, String... segments) {
    return TestNodes.await(via.put(PutRequest.newBuilder().setKey(key).setValue(v).setConfig(ReplicateConfig
        .newBuilder().setReplicaNum(replicas).addAllPreferredSegments(List.of(segments))).build())).getCode();
  }

  private static GetReply get(KvStoreGrpcClient via, String key) {
    return TestNodes.await(via.get(GetRequest.newBuilder().setKey(key).build()));
  }

  /** Polls a put through {@code via} until one succeeds; returns the milliseconds since {@code fromNanos}. */
  private static long firstPut(KvStoreGrpcClient via, String key, long fromNanos) {
    ByteString v = value(key, 4096);
    long[] done = {-1};
    Await.until("a put through a surviving gateway", Duration.ofSeconds(30), () -> {
      if (put(via, key, v, 1) == ErrorCode.OK) {
        done[0] = (System.nanoTime() - fromNanos) / 1_000_000;
        return true;
      }
      return false;
    });
    assertEquals(v, get(via, key).getValue());
    return done[0];
  }

  @Test
  void theStandbyTakesOverAKilledMasterAndEveryObjectWithASurvivingReplicaReadsBackExact() throws Exception {
    cluster = new HaCluster().start();
    ChildNode active = cluster.awaitActiveWithSyncedStandby();
    ChildNode standby = cluster.other(active);
    String dead = cluster.nameOf(active);
    String alive = cluster.nameOf(standby);
    double termBefore = metric(cluster.metricsOf(active), "kvstore_master_term");
    KvStoreGrpcClient viaC = client(cluster.c.grpcPort());
    KvStoreGrpcClient viaStandby = client(cluster.grpcOf(standby));
    Map<String, ByteString> survive = new LinkedHashMap<>();
    Map<String, ByteString> lost = new LinkedHashMap<>();
    for (int i = 0; i < 12; i++) {
      KvStoreGrpcClient via = i % 2 == 0 ? viaC : viaStandby;
      String k = String.valueOf(i);
      lost.put("dead-" + k, value("dead-" + k, 10_000 + i));
      survive.put("alive-" + k, value("alive-" + k, 20_000 + i));
      survive.put("c-" + k, value("c-" + k, 30_000 + i));
      survive.put("both-" + k, value("both-" + k, 40_000 + i));
      assertEquals(ErrorCode.OK, put(via, "dead-" + k, lost.get("dead-" + k), 1, dead));
      assertEquals(ErrorCode.OK, put(via, "alive-" + k, survive.get("alive-" + k), 1, alive));
      assertEquals(ErrorCode.OK, put(via, "c-" + k, survive.get("c-" + k), 1, "node-c"));
      assertEquals(ErrorCode.OK, put(via, "both-" + k, survive.get("both-" + k), 2, dead, "node-c"));
    }
    cluster.awaitReplicated(active);

    long killed = System.nanoTime();
    active.kill();
    long viaCMs = firstPut(viaC, "after-kill-c", killed);
    long viaStandbyMs = firstPut(viaStandby, "after-kill-standby", killed);
    System.out.println("failover: first put through C after " + viaCMs + " ms, through the standby's gateway after "
        + viaStandbyMs + " ms");

    assertEquals(1, metric(cluster.metricsOf(standby), "kvstore_master_active"));
    assertTrue(metric(cluster.metricsOf(standby), "kvstore_master_term") > termBefore, "a new term");
    for (KvStoreGrpcClient via : List.of(viaC, viaStandby)) {
      survive.forEach((k, v) -> {
        GetReply got = get(via, k);
        assertEquals(ErrorCode.OK, got.getCode(), k);
        assertEquals(v, got.getValue(), k);
      });
      lost.forEach((k, v) -> assertEquals(ErrorCode.OBJECT_NOT_FOUND, get(via, k).getCode(), k));
    }
  }

  @Test
  void aFrozenMasterIsFencedAndComesBackAsTheNewMastersStandby() throws Exception {
    cluster = new HaCluster().start();
    ChildNode frozen = cluster.awaitActiveWithSyncedStandby();
    ChildNode successor = cluster.other(frozen);
    KvStoreGrpcClient viaC = client(cluster.c.grpcPort());
    KvStoreGrpcClient viaSuccessor = client(cluster.grpcOf(successor));
    Map<String, ByteString> objects = new LinkedHashMap<>();
    for (int i = 0; i < 10; i++) {
      objects.put("before-" + i, value("before-" + i, 5000 + i));
      assertEquals(ErrorCode.OK, put(viaC, "before-" + i, objects.get("before-" + i), 1, "node-c"));
    }
    cluster.awaitReplicated(frozen);
    KvStoreGrpcClient viaWoken = client(cluster.grpcOf(frozen));
    assertEquals(ErrorCode.OK, put(viaWoken, "warm", value("warm", 100), 1, "node-c"), "a connection before the freeze");

    frozen.freeze();
    // Calls in flight when the master froze: those through its own gateway wait in its socket until it wakes (fenced,
    // it must not answer them from its stale state), those through C may have been sent to it. Whatever each answers,
    // no two gateways may disagree about it afterwards, and what was acknowledged reads back exact.
    Map<String, Future<ErrorCode>> inFlight = new LinkedHashMap<>();
    for (int i = 0; i < 6; i++) {
      String k = "in-flight-" + i;
      KvStoreGrpcClient via = i % 2 == 0 ? viaWoken : viaC;
      inFlight.put(k, via.put(PutRequest.newBuilder().setKey(k).setValue(value(k, 3000 + i))
          .setConfig(ReplicateConfig.newBuilder().addPreferredSegments("node-c")).build()).map(PutReply::getCode));
    }
    try {
      Await.until("the standby takes over while the master sleeps", Duration.ofSeconds(30),
          () -> metric(cluster.metricsOf(successor), "kvstore_master_active") == 1);
      for (int i = 0; i < 10; i++) {
        objects.put("during-" + i, value("during-" + i, 6000 + i));
        assertEquals(ErrorCode.OK, put(i % 2 == 0 ? viaC : viaSuccessor, "during-" + i, objects.get("during-" + i), 1,
            cluster.nameOf(successor), "node-c"));
      }
    } finally {
      frozen.thaw();
    }
    double newTerm = metric(cluster.metricsOf(successor), "kvstore_master_term");
    Await.until("the woken master steps down and follows the new one as a synced standby", Duration.ofSeconds(60),
        () -> metric(cluster.metricsOf(frozen), "kvstore_master_active") == 0
            && metric(cluster.metricsOf(frozen), "kvstore_master_term") == newTerm
            && metric(cluster.metricsOf(successor), "kvstore_master_synced_standbys") == 1);
    assertEquals(1, metric(cluster.metricsOf(successor), "kvstore_master_active"), "one master only");
    // Every gateway, the woken node's included, gives the same answer for every object.
    objects.put("after", value("after", 7000));
    Await.until("a put through the woken node's gateway", Duration.ofSeconds(30),
        () -> put(viaWoken, "after", objects.get("after"), 1, "node-c") == ErrorCode.OK);
    for (KvStoreGrpcClient via : List.of(viaC, viaSuccessor, viaWoken)) {
      objects.forEach((k, v) -> assertEquals(v, get(via, k).getValue(), k));
    }
    Future.join(List.copyOf(inFlight.values())).await(60, TimeUnit.SECONDS);
    System.out.println("calls in flight when the master froze answered " + inFlight.values().stream()
        .map(f -> f.succeeded() ? f.result().name() : f.cause().toString()).toList());
    inFlight.forEach((k, answer) -> {
      GetReply first = get(viaC, k);
      if (answer.succeeded() && answer.result() == ErrorCode.OK) {
        assertEquals(value(k, 3000 + Integer.parseInt(k.substring(k.lastIndexOf('-') + 1))), first.getValue(), k);
      }
      for (KvStoreGrpcClient via : List.of(viaSuccessor, viaWoken)) {
        GetReply other = get(via, k);
        assertEquals(first.getCode(), other.getCode(), k + ": the gateways agree");
        assertEquals(first.getValue(), other.getValue(), k);
      }
    });
  }

  @Test
  void aStandbyRestartedUnderLoadCatchesUpAndCanThenBePromoted() throws Exception {
    cluster = new HaCluster().start();
    ChildNode active = cluster.awaitActiveWithSyncedStandby();
    ChildNode standby = cluster.other(active);
    KvStoreGrpcClient viaC = client(cluster.c.grpcPort());
    Map<String, ByteString> objects = new LinkedHashMap<>();
    int[] next = {0};
    Runnable putSome = () -> { // 15 acknowledged puts; one the master could not acknowledge is not counted
      int stored = 0;
      for (int attempt = 0; stored < 15 && attempt < 60; attempt++) {
        String k = "obj-" + next[0]++;
        ByteString v = value(k, 1000 + next[0]);
        ErrorCode code = put(viaC, k, v, 1, "node-c");
        if (code == ErrorCode.OK) {
          objects.put(k, v);
          stored++;
        } else { // e.g. the master's lease lapsed for a moment while it answered (a loaded machine)
          assertTrue(code == ErrorCode.UNAVAILABLE_IN_CURRENT_MODE || code == ErrorCode.RPC_FAIL
              || code == ErrorCode.RPC_TIMEOUT, k + ": " + code);
        }
      }
      assertEquals(15, stored);
    };
    putSome.run();
    standby.kill();
    putSome.run(); // the standby is down
    ChildNode restarted = cluster.restart(standby);
    putSome.run(); // it follows again: snapshot, then the log
    Await.until("the restarted standby is synced", Duration.ofSeconds(60),
        () -> metric(cluster.metricsOf(active), "kvstore_master_synced_standbys") == 1);
    putSome.run();
    cluster.awaitReplicated(active);
    List<String> removed = List.copyOf(objects.keySet()).subList(0, 5);
    for (String k : removed) { // removals must reach it too
      assertEquals(ErrorCode.OK, TestNodes.await(viaC.remove(io.kvcache.proto.v1.RemoveRequest.newBuilder().setKey(k)
          .setForce(true).build())).getCode());
      objects.remove(k);
    }
    cluster.awaitReplicated(active);

    active.kill();
    Await.until("the restarted standby is promoted", Duration.ofSeconds(30),
        () -> metric(cluster.metricsOf(restarted), "kvstore_master_active") == 1);
    KvStoreGrpcClient viaRestarted = client(cluster.grpcOf(restarted));
    for (KvStoreGrpcClient via : List.of(viaC, viaRestarted)) {
      objects.forEach((k, v) -> assertEquals(v, get(via, k).getValue(), k));
      for (String k : removed) {
        assertEquals(ErrorCode.OBJECT_NOT_FOUND, get(via, k).getCode());
      }
    }
  }
}
