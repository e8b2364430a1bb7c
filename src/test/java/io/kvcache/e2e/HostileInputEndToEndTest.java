package io.kvcache.e2e;

import com.google.protobuf.ByteString;
import io.kvcache.app.Node;
import io.kvcache.metadata.Metadata;
import io.kvcache.proto.v1.*;
import io.kvcache.replica.BulkRemoval;
import io.kvcache.testing.Await;
import io.kvcache.testing.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.kvcache.testing.Values.value;
import static org.junit.jupiter.api.Assertions.*;

/**
 * What a careless or hostile client tried (issue 11) against two nodes in this JVM, node A (master, storage, gateway)
 * and node B (storage, gateway): puts ended with bytes never written, namespaces wiped by RemoveAll, regexes that
 * backtrack, and replica counts past the cap.
 */
class HostileInputEndToEndTest {
  private static final int SECRET_SIZE = 256 << 10;
  private static final long REGEX_BUDGET_MS = 300;

  private static Node a;
  private static Node b;
  private static Vertx clientVertx;
  private static KvStoreGrpcClient viaA;
  private static KvStoreGrpcClient viaB;

  @BeforeAll
  static void start() {
    String cluster = TestNodes.uniqueCluster();
    int portA = TestNodes.freePort(), portB = TestNodes.freePort();
    List<Integer> members = List.of(portA, portB);
    JsonObject budget = new JsonObject().put("regex_removal_budget_ms", REGEX_BUDGET_MS);
    a = TestNodes.start(TestNodes.config(cluster, "node-a", portA, members, List.of("master", "storage", "gateway"),
        "64MiB").mergeIn(budget));
    b = TestNodes.start(TestNodes.config(cluster, "node-b", portB, members, List.of("storage", "gateway"), "64MiB"));
    Await.until("both segments mounted", Duration.ofSeconds(60), () -> a.master().segments().snapshot().length == 2);
    clientVertx = Vertx.vertx();
    viaA = TestNodes.client(clientVertx, a.grpcPort());
    viaB = TestNodes.client(clientVertx, b.grpcPort());
  }

  @AfterAll
  static void stop() {
    TestNodes.stop(b);
    TestNodes.stop(a);
    TestNodes.close(clientVertx);
  }

  private static <T> T await(Future<T> f) {
    return TestNodes.await(f);
  }

  private static void put(KvStoreGrpcClient via, String namespace, String key, ByteString value, String segment) {
    assertEquals(ErrorCode.OK, await(via.put(PutRequest.newBuilder().setNamespace(namespace).setKey(key).setValue(value)
        .setConfig(ReplicateConfig.newBuilder().addPreferredSegments(segment)).build())).getCode());
  }

  private static ReplicaDescriptor onlyReplica(String namespace, String key) {
    GetReplicaListReply list = await(viaA.getReplicaList(GetReplicaListRequest.newBuilder().setNamespace(namespace)
        .setKey(key).build()));
    assertEquals(ErrorCode.OK, list.getCode());
    assertEquals(1, list.getReplicasCount());
    return list.getReplicas(0);
  }

  /** Puts then removes a value of tenant A on {@code segment}; returns where its bytes were (now free, still there). */
  private static ReplicaDescriptor secretFreedOn(String segment, String key) {
    put(viaA, "tenant-a", key, value(key, SECRET_SIZE), segment);
    ReplicaDescriptor where = onlyReplica("tenant-a", key);
    assertEquals(segment, where.getSegmentName());
    assertEquals(ErrorCode.OK, await(viaA.remove(RemoveRequest.newBuilder().setNamespace("tenant-a").setKey(key)
        .setForce(true).build())).getCode());
    return where;
  }

  private static boolean sameBytes(ReplicaDescriptor x, ReplicaDescriptor y) {
    return x.getSegmentName().equals(y.getSegmentName()) && x.getOffset() == y.getOffset();
  }

  @Test
  void putEndWithoutWritesReadsZerosNeverAnotherNamespacesBytes() {
    // The issue's attack: A's 256 KiB object removed, then PutStart + PutEnd in namespace B with no WriteSlice.
    // node-a's segment is local to gateway A (zeroed in place), node-b's is remote (zeroed over the event bus).
    for (String segment : List.of("node-a", "node-b")) {
      for (int written : new int[] {0, 1000}) {
        unwrittenBytesReadAsZeros(segment, written);
      }
    }
  }

  private static void unwrittenBytesReadAsZeros(String segment, int written) {
    boolean reused = false;
    for (int attempt = 0; attempt < 8 && !reused; attempt++) {
      String id = segment + "-" + written + "-" + attempt;
      ReplicaDescriptor freed = secretFreedOn(segment, "secret-" + id);
      String key = "blank-" + id;
      PutStartReply started = await(viaA.putStart(PutStartRequest.newBuilder().setNamespace("tenant-b").setKey(key)
          .setValueSize(SECRET_SIZE).setConfig(ReplicateConfig.newBuilder().addPreferredSegments(segment)).build()));
      assertEquals(ErrorCode.OK, started.getCode());
      ReplicaDescriptor reserved = started.getReplicas(0);
      reused = sameBytes(reserved, freed);
      ByteString mine = value("mine-" + id, written);
      if (written > 0) {
        assertEquals(ErrorCode.OK, await(viaA.writeSlice(WriteSliceRequest.newBuilder().setNamespace("tenant-b")
            .setKey(key).setReplicaId(reserved.getReplicaId()).setOffset(0).setData(mine).build())).getCode());
      }
      assertEquals(ErrorCode.OK, await(viaA.putEnd(PutEndRequest.newBuilder().setNamespace("tenant-b").setKey(key)
          .build())).getCode());
      for (KvStoreGrpcClient via : List.of(viaA, viaB)) {
        GetReply got = await(via.get(GetRequest.newBuilder().setNamespace("tenant-b").setKey(key).build()));
        assertEquals(ErrorCode.OK, got.getCode());
        assertEquals(mine.concat(ByteString.copyFrom(new byte[SECRET_SIZE - written])), got.getValue(),
            "the bytes written, then zeros (on " + segment + ", reused " + reused + ")");
      }
    }
    assertTrue(reused, "the freed bytes of tenant A were handed out again on " + segment + " (the attack's premise)");
  }

  @Test
  void aCopyTargetEndedWithoutWritesReadsZeros() {
    boolean reused = false;
    for (int attempt = 0; attempt < 8 && !reused; attempt++) {
      String key = "copy-source-" + attempt;
      put(viaA, "tenant-b", key, value(key, SECRET_SIZE), "node-a");
      ReplicaDescriptor freed = secretFreedOn("node-b", "copy-secret-" + attempt);
      ReplicationStartReply started = await(viaA.copyStart(CopyStartRequest.newBuilder().setNamespace("tenant-b")
          .setKey(key).setSourceSegment("node-a").addTargetSegments("node-b").build()));
      assertEquals(ErrorCode.OK, started.getCode());
      ReplicaDescriptor target = started.getTargets(0);
      reused = sameBytes(target, freed);
      assertEquals(ErrorCode.OK, await(viaA.copyEnd(ReplicationKey.newBuilder().setNamespace("tenant-b").setKey(key)
          .build())).getCode());
      ReadSliceReply read = await(viaA.readSlice(ReadSliceRequest.newBuilder().setNamespace("tenant-b").setKey(key)
          .setReplicaId(target.getReplicaId()).setOffset(0).setLength(SECRET_SIZE).build()));
      assertEquals(ErrorCode.OK, read.getCode());
      assertEquals(ByteString.copyFrom(new byte[SECRET_SIZE]), read.getData(), "a target nobody wrote reads as zeros");
    }
    assertTrue(reused, "the freed bytes were handed out again as the copy's target (the attack's premise)");
  }

  @Test
  void removeAllRemovesOnlyItsNamespaceUnlessAllNamespacesIsSet() {
    for (String ns : List.of("ra-1", "ra-2")) {
      for (int i = 0; i < 3; i++) {
        put(viaA, ns, "k" + i, value(ns + i, 100), i % 2 == 0 ? "node-a" : "node-b");
      }
    }
    // Through B: the request crosses the event bus to the master (RemoteMetadata, MetadataVerticle).
    RemoveAllReply one = await(viaB.removeAll(RemoveAllRequest.newBuilder().setNamespace("ra-1").setForce(true)
        .build()));
    assertEquals(ErrorCode.OK, one.getCode());
    assertEquals(3, one.getRemoved());
    assertEquals(List.of(false, false, false), exists("ra-1"));
    assertEquals(List.of(true, true, true), exists("ra-2"), "another namespace is untouched");

    RemoveAllReply ambiguous = await(viaA.removeAll(RemoveAllRequest.newBuilder().setNamespace("ra-2")
        .setAllNamespaces(true).setForce(true).build()));
    assertEquals(ErrorCode.INVALID_PARAMS, ambiguous.getCode());
    assertFalse(ambiguous.getMessage().isEmpty());
    assertEquals(List.of(true, true, true), exists("ra-2"), "a refused call changes nothing");

    RemoveAllReply defaultOnly = await(viaA.removeAll(RemoveAllRequest.newBuilder().setForce(true).build()));
    assertEquals(ErrorCode.OK, defaultOnly.getCode());
    assertEquals(List.of(true, true, true), exists("ra-2"), "no namespace set means the default namespace only");

    RemoveAllReply all = await(viaB.removeAll(RemoveAllRequest.newBuilder().setAllNamespaces(true).setForce(true)
        .build()));
    assertEquals(ErrorCode.OK, all.getCode());
    assertTrue(all.getRemoved() >= 3);
    assertEquals(List.of(false, false, false), exists("ra-2"));
  }

  @Test
  void namespacesThatAreNotUnicodeAreRefusedLocallyAndOverTheBus() {
    // Binary protobuf cannot carry an unpaired surrogate (it is sent as '?'), JSON can: call the metadata API itself.
    String lone = "ns-\uD800";
    Metadata remote = b.remoteMetadata();
    for (var metadata : List.of(a.master().metadata(), remote)) {
      BulkRemoval all = await(metadata.removeAll(lone, false, true));
      assertEquals(ErrorCode.INVALID_PARAMS, all.code());
      assertTrue(all.message().contains("surrogate"), all.message());
      BulkRemoval byRegex = await(metadata.removeByRegex(lone, ".", true));
      assertEquals(ErrorCode.INVALID_PARAMS, byRegex.code());
      BulkRemoval loneInRegex = await(metadata.removeByRegex("ns", "page-\uDC00", true));
      assertEquals(ErrorCode.INVALID_PARAMS, loneInRegex.code());
      assertTrue(loneInRegex.message().startsWith("regex is not valid Unicode"), loneInRegex.message());
    }
  }

  private static List<Boolean> exists(String namespace) {
    return await(viaA.batchExists(BatchExistsRequest.newBuilder().setNamespace(namespace).addKeys("k0").addKeys("k1")
        .addKeys("k2").build())).getExistsList();
  }

  @Test
  void theIssuesNestedQuantifierFinishesQuicklyOnEitherGateway() {
    List<String> keys = List.of("a".repeat(25) + "!", "b" + "a".repeat(25) + "!", "c" + "a".repeat(25) + "!");
    for (String key : keys) {
      put(viaA, "rx-nested", key, value(key, 10), "node-a");
    }
    for (KvStoreGrpcClient via : List.of(viaA, viaB)) {
      long start = System.nanoTime();
      RemoveByRegexReply none = await(via.removeByRegex(RemoveByRegexRequest.newBuilder().setNamespace("rx-nested")
          .setRegex("(a+)+$").setForce(true).build()));
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertEquals(ErrorCode.OK, none.getCode(), none.getMessage());
      assertEquals(0, none.getRemoved());
      assertTrue(ms < 2_000, "took " + ms + " ms (java.util.regex: seconds per key)");
    }
    RemoveByRegexReply all = await(viaB.removeByRegex(RemoveByRegexRequest.newBuilder().setNamespace("rx-nested")
        .setRegex("(a|aa)+!$").setForce(true).build()));
    assertEquals(ErrorCode.OK, all.getCode());
    assertEquals(3, all.getRemoved());
  }

  @Test
  void unsupportedRegexesAreRefusedWithAMessage() {
    RemoveByRegexReply backref = await(viaB.removeByRegex(RemoveByRegexRequest.newBuilder().setNamespace("rx")
        .setRegex("(a)\\1").build()));
    assertEquals(ErrorCode.INVALID_PARAMS, backref.getCode());
    assertTrue(backref.getMessage().contains("backreferences"), backref.getMessage());
    RemoveByRegexReply bomb = await(viaA.removeByRegex(RemoveByRegexRequest.newBuilder().setNamespace("rx")
        .setRegex("((a{1000}){1000}){1000}").build()));
    assertEquals(ErrorCode.INVALID_PARAMS, bomb.getCode());
    assertTrue(bomb.getMessage().startsWith("regex too large"), bomb.getMessage());
  }

  @Test
  void aWorstCaseRegexIsRefusedAtItsBudgetAndAGetFromAnotherClientStaysPrompt() {
    // 2,003 RE2 instructions (near the cap) over 4,000-byte keys: tens of ms per key, seconds for the namespace.
    String worst = "(?:.?){1000}x";
    int keys = 100;
    for (int i = 0; i < keys; i++) {
      put(viaA, "rx-slow", "a".repeat(4000) + i, value("slow" + i, 10), i % 2 == 0 ? "node-a" : "node-b");
    }
    put(viaA, "rx-get", "probe", value("probe", 1000), "node-a");
    KvStoreGrpcClient other = TestNodes.client(clientVertx, a.grpcPort()); // another client, its own connection
    long start = System.nanoTime();
    Future<RemoveByRegexReply> removal = viaA.removeByRegex(RemoveByRegexRequest.newBuilder().setNamespace("rx-slow")
        .setRegex(worst).setForce(true).build());
    List<Long> latenciesMs = new ArrayList<>();
    while (!removal.isComplete() && latenciesMs.size() < 10_000) {
      long getStart = System.nanoTime();
      assertEquals(ErrorCode.OK, await(other.get(GetRequest.newBuilder().setNamespace("rx-get").setKey("probe")
          .build())).getCode());
      latenciesMs.add((System.nanoTime() - getStart) / 1_000_000);
    }
    RemoveByRegexReply refused = await(removal);
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertEquals(ErrorCode.BUDGET_EXCEEDED, refused.getCode(), refused.getMessage());
    assertEquals(0, refused.getRemoved());
    assertTrue(refused.getMessage().contains(REGEX_BUDGET_MS + " ms"), refused.getMessage());
    assertTrue(ms < 10_000, "refused " + ms + " ms after the call (budget " + REGEX_BUDGET_MS + " ms)");
    assertFalse(latenciesMs.isEmpty(), "some Get ran while the removal did");
    long worstGet = latenciesMs.stream().mapToLong(Long::longValue).max().orElseThrow();
    assertTrue(worstGet < 2_000, "slowest Get during the removal: " + worstGet + " ms of " + latenciesMs.size());
    BatchExistsRequest.Builder all = BatchExistsRequest.newBuilder().setNamespace("rx-slow");
    for (int i = 0; i < keys; i++) {
      all.addKeys("a".repeat(4000) + i);
    }
    assertEquals(keys, await(viaA.batchExists(all.build())).getLeadingHits(), "the refused call removed nothing");
  }

  @Test
  void replicaNumAboveTheCapOf64IsRefusedAndAtTheCapIsBestEffort() {
    for (KvStoreGrpcClient via : List.of(viaA, viaB)) {
      assertEquals(ErrorCode.INVALID_PARAMS, await(via.put(PutRequest.newBuilder().setNamespace("cap").setKey("over")
          .setValue(value("over", 100)).setConfig(ReplicateConfig.newBuilder().setReplicaNum(65)).build())).getCode());
      assertEquals(ErrorCode.INVALID_PARAMS, await(via.putStart(PutStartRequest.newBuilder().setNamespace("cap")
          .setKey("over").setValueSize(100).setConfig(ReplicateConfig.newBuilder().setReplicaNum(65)).build()))
          .getCode());
    }
    assertFalse(await(viaA.batchExists(BatchExistsRequest.newBuilder().setNamespace("cap").addKeys("over").build()))
        .getExists(0));
    assertEquals(ErrorCode.OK, await(viaA.put(PutRequest.newBuilder().setNamespace("cap").setKey("at-cap")
        .setValue(value("at-cap", 100)).setConfig(ReplicateConfig.newBuilder().setReplicaNum(64)).build())).getCode());
    assertEquals(2, await(viaA.getReplicaList(GetReplicaListRequest.newBuilder().setNamespace("cap").setKey("at-cap")
        .build())).getReplicasCount(), "one replica on each of the two segments");
  }
}
