package io.kvcache.replica;

import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.ReplicateConfig;
import io.kvcache.proto.v1.SoftPin;
import io.kvcache.proto.v1.SoftPinAction;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static io.kvcache.replica.ShardFixture.*;
import static org.junit.jupiter.api.Assertions.*;

/** The reference's put/read/remove behaviours (checklist items 7–22, 24) on one shard. */
class ReplicaShardTest {
  private static final long MIB = 1 << 20;

  private static ReplicateConfig replicas(int n) {
    return ReplicateConfig.newBuilder().setReplicaNum(n).build();
  }

  @Test
  void putStartRefusesZeroReplicasZeroOrOversizeLengthAndChangesNothing() { // item 7
    ShardFixture f = new ShardFixture(64 * MIB);
    assertEquals(ErrorCode.INVALID_PARAMS, f.putStart("a", 100, replicas(0)));
    assertEquals(ErrorCode.INVALID_PARAMS, f.putStart("a", 0));
    assertEquals(ErrorCode.INVALID_PARAMS, f.putStart("a", -1));
    assertEquals(ErrorCode.INVALID_PARAMS, f.putStart("a", (64 * MIB) + 1), "above max_value_size");
    assertEquals(0, f.shard.objectCount());
    assertEquals(0, f.segments.allocatedBytes());
  }

  @Test
  void replicaNumAboveTheCapIsRefusedAndAtTheCapIsBestEffort() { // README: ReplicateConfig, at most 64 replicas
    ShardFixture f = new ShardFixture(64 * MIB, 64 * MIB);
    int cap = ShardSettings.defaults().maxReplicas();
    assertEquals(64, cap);
    assertEquals(ErrorCode.INVALID_PARAMS, f.putStart("over", MIB, replicas(cap + 1)));
    assertEquals(ErrorCode.INVALID_PARAMS, f.putStart("over", MIB, replicas(Integer.MAX_VALUE)));
    assertEquals(ErrorCode.INVALID_PARAMS, f.putStart("over", MIB, replicas(-1)));
    assertNull(f.find("over"), "a refused put reserves nothing");
    assertEquals(0, f.segments.allocatedBytes());
    assertEquals(ErrorCode.OK, f.putStart("at-cap", MIB, replicas(cap)));
    assertEquals(2, f.find("at-cap").replicaCount(), "one replica per segment, the rest best effort");
  }

  @Test
  void theReplicasOfOneObjectHaveDistinctIdsWhateverTheAllocatorsState() {
    // "seg-0" and "seg-1" hash one apart; allocation handles carry a generation that churn moves apart. Replica ids
    // once mixed the two with XOR, and two replicas of one object could get the same id: ReadSlice and WriteSlice
    // then reached the wrong one.
    ReplicateConfig onSecond = ReplicateConfig.newBuilder().addPreferredSegments("seg-1").build();
    for (int freedFirst = 1; freedFirst <= 3; freedFirst++) { // what the e2e attack did: seg-1's first region freed
      ShardFixture fresh = new ShardFixture(64 * MIB, 64 * MIB);
      for (int i = 0; i < freedFirst; i++) {
        assertEquals(ErrorCode.OK, fresh.putStart("freed", MIB, onSecond));
        assertEquals(ErrorCode.OK, fresh.putEnd("freed"));
        assertEquals(ErrorCode.OK, fresh.remove("freed", true));
      }
      assertEquals(ErrorCode.OK, fresh.putStart("both", MIB, replicas(2)));
      ObjectEntry e = fresh.find("both");
      assertNotEquals(((MemoryReplica) e.replica(0)).id(), ((MemoryReplica) e.replica(1)).id(),
          "seg-1's region freed " + freedFirst + " times");
    }
    ShardFixture f = new ShardFixture(64 * MIB, 64 * MIB);
    for (int churn = 0; churn < 64; churn++) {
      for (int i = 0; i < churn % 4; i++) {
        assertEquals(ErrorCode.OK, f.putStart("churn", MIB, onSecond));
        assertEquals(ErrorCode.OK, f.putEnd("churn"));
        assertEquals(ErrorCode.OK, f.remove("churn", true));
      }
      assertEquals(ErrorCode.OK, f.putStart("both", MIB, replicas(2)));
      ObjectEntry e = f.find("both");
      assertEquals(2, e.replicaCount());
      long first = ((MemoryReplica) e.replica(0)).id();
      long second = ((MemoryReplica) e.replica(1)).id();
      assertNotEquals(first, second, "after " + churn + " rounds of churn");
      assertEquals(ErrorCode.OK, f.putEnd("both"));
      assertEquals(ErrorCode.OK, f.remove("both", true));
    }
  }

  @Test
  void putStartReturnsProcessingReplicasOnDistinctSegmentsInvisibleUntilPutEnd() { // item 8
    ShardFixture f = new ShardFixture(64 * MIB, 64 * MIB, 64 * MIB);
    assertEquals(ErrorCode.OK, f.putStart("obj", MIB, replicas(3)));
    ObjectEntry e = f.find("obj");
    Set<String> segments = new HashSet<>();
    for (int i = 0; i < e.replicaCount(); i++) {
      assertEquals(Replica.PROCESSING, e.replica(i).status());
      segments.add(((MemoryReplica) e.replica(i)).segment().name());
    }
    assertEquals(3, segments.size());
    assertEquals(ErrorCode.REPLICA_IS_NOT_READY, f.lease("obj"));
    assertFalse(f.exists("obj"));
    assertEquals(ErrorCode.OK, f.putEnd("obj"));
    assertEquals(ErrorCode.OK, f.lease("obj"));
    assertTrue(f.exists("obj"));
  }

  @Test
  void moreReplicasThanSegmentsIsBestEffortAndCounted() { // item 9
    ShardFixture f = new ShardFixture(64 * MIB, 64 * MIB);
    assertEquals(ErrorCode.OK, f.putStart("three", MIB, replicas(3)));
    assertEquals(2, f.find("three").replicaCount());
    assertEquals(1.0, f.counter("kvstore_replica_put_start_partial_allocations"));
    assertEquals(ErrorCode.OK, f.putStart("two", MIB, replicas(2)));
    assertEquals(1.0, f.counter("kvstore_replica_put_start_partial_allocations"), "a full allocation is not partial");
  }

  @Test
  void noSpaceIsNoAvailableHandleAndRaisesTheEvictionFlag() { // item 10
    ShardFixture f = new ShardFixture(4 * MIB);
    assertEquals(ErrorCode.OK, f.put("fits", 3 * MIB));
    assertFalse(f.shared.evictionWanted().get());
    assertEquals(ErrorCode.NO_AVAILABLE_HANDLE, f.putStart("too-big", 3 * MIB));
    assertTrue(f.shared.evictionWanted().get());
    assertEquals(1.0, f.counter("kvstore_replica_put_start_alloc_failures"));
    assertNull(f.find("too-big"));
  }

  @Test
  void putStartOnACompleteKeyIsRefused() { // item 11
    ShardFixture f = new ShardFixture(64 * MIB);
    assertEquals(ErrorCode.OK, f.put("k", 100));
    assertEquals(ErrorCode.OBJECT_ALREADY_EXISTS, f.putStart("k", 100));
  }

  @Test
  void processingKeyIsPreemptedOnlyAfterTheDiscardTimeoutAndItsBuffersWaitForTheReleaseTimeout() { // items 12, 13
    ShardSettings s = new ShardSettings(10_000, 3_000, 5_000, 1_800_000, 86_400_000, 64 * MIB, 64);
    ShardFixture f = new ShardFixture(s, "random", 16 * MIB, 16 * MIB, 16 * MIB);
    assertEquals(ErrorCode.OK, f.putStart("k", 6 * MIB, replicas(3)));
    assertEquals(ErrorCode.OK, f.putStart("fill", 6 * MIB, replicas(3)));
    assertEquals(ErrorCode.OK, f.putEnd("fill"));
    f.clock.advance(3_000);
    assertEquals(ErrorCode.OBJECT_ALREADY_EXISTS, f.putStart("k", 6 * MIB, replicas(3)), "within the discard timeout");
    f.clock.advance(1);
    // Preemption: the old buffers are parked, so with them still held there is no room for the new put.
    assertEquals(ErrorCode.NO_AVAILABLE_HANDLE, f.putStart("k", 6 * MIB, replicas(3)));
    assertEquals(1, f.shard.parkedCount());
    assertEquals(1.0, f.counter("kvstore_replica_put_start_discarded"));
    assertNull(f.find("k"), "the preempted put is gone");
    assertEquals(ErrorCode.NO_AVAILABLE_HANDLE, f.putStart("other", 6 * MIB, replicas(3)), "parked space is not reused");
    f.clock.advance(2_000); // release timeout (5 s after the first PutStart) has passed
    assertEquals(1, f.shard.housekeeping().sweep());
    assertEquals(ErrorCode.OK, f.putStart("other", 6 * MIB, replicas(3)));
  }

  @Test
  void putEndChecksTheWriterAndIsIdempotent() { // items 14, 15
    ShardFixture f = new ShardFixture(64 * MIB);
    assertEquals(ErrorCode.OBJECT_NOT_FOUND, f.putEnd("missing"));
    assertEquals(ErrorCode.OK, f.putStart("k", 100));
    assertEquals(ErrorCode.ILLEGAL_CLIENT, f.shard.puts().putEnd(OTHER_WRITER, key("k"), hash("k")));
    assertEquals(ErrorCode.ILLEGAL_CLIENT, f.shard.puts().putRevoke(OTHER_WRITER, key("k"), hash("k")));
    assertEquals(ErrorCode.OK, f.putEnd("k"));
    assertEquals(ErrorCode.OK, f.putEnd("k"));
  }

  @Test
  void putEndLeavesTheLeaseExpired() { // item 16
    ShardFixture f = new ShardFixture(64 * MIB);
    assertEquals(ErrorCode.OK, f.put("k", 100));
    assertEquals(ErrorCode.OK, f.remove("k", false), "no lease right after PutEnd");
  }

  @Test
  void putRevokeFreesAtOnceAndCannotRevokeACompletedObject() { // item 17
    ShardFixture f = new ShardFixture(64 * MIB);
    assertEquals(ErrorCode.OK, f.putStart("k", 10 * MIB));
    assertTrue(f.segments.allocatedBytes() >= 10 * MIB);
    assertEquals(ErrorCode.OK, f.shard.puts().putRevoke(WRITER, key("k"), hash("k")));
    assertEquals(0, f.segments.allocatedBytes());
    assertNull(f.find("k"));
    assertEquals(ErrorCode.OK, f.put("done", 100));
    assertEquals(ErrorCode.INVALID_WRITE, f.shard.puts().putRevoke(WRITER, key("done"), hash("done")));
  }

  @Test
  void leaseExtendsToTheLaterDeadlineAndExistsGrantsTheSameLease() { // items 18, 19, 20
    ShardFixture f = new ShardFixture(64 * MIB);
    assertEquals(ErrorCode.OBJECT_NOT_FOUND, f.lease("missing"));
    assertFalse(f.exists("missing"));
    assertEquals(ErrorCode.OK, f.put("k", 100));
    assertTrue(f.exists("k"));
    long first = f.find("k").leaseDeadlineMs();
    assertEquals(f.clock.nowMs() + 10_000, first);
    f.clock.advance(4_000);
    assertEquals(ErrorCode.OK, f.lease("k"));
    assertEquals(f.clock.nowMs() + 10_000, f.find("k").leaseDeadlineMs());
    assertEquals(ErrorCode.OBJECT_HAS_LEASE, f.remove("k", false));
  }

  @Test
  void removeRespectsLeasesUnlessForcedAndNeverRemovesAnUnfinishedPut() { // items 21, 22
    ShardFixture f = new ShardFixture(64 * MIB);
    assertEquals(ErrorCode.OK, f.put("k", 100));
    f.lease("k");
    assertEquals(ErrorCode.OBJECT_HAS_LEASE, f.remove("k", false));
    f.clock.advance(10_000);
    assertEquals(ErrorCode.OK, f.remove("k", false), "lease expired");
    assertEquals(ErrorCode.OBJECT_NOT_FOUND, f.remove("k", false));
    assertEquals(ErrorCode.OK, f.putStart("busy", 100));
    assertEquals(ErrorCode.REPLICA_IS_NOT_READY, f.remove("busy", true), "force does not bypass an unfinished put");
  }

  @Test
  void removeAllCountsAndSkipsLeasedAndUnfinishedObjects() { // item 24
    ShardFixture f = new ShardFixture(64 * MIB);
    for (int i = 0; i < 10; i++) {
      assertEquals(ErrorCode.OK, f.put("k" + i, 100));
    }
    f.lease("k3");
    f.putStart("unfinished", 100);
    assertEquals(9, MatchingRemoval.run(f.access(), k -> true, false));
    assertTrue(f.exists("k3"));
    assertEquals(1, MatchingRemoval.run(f.access(), k -> true, true), "force takes the leased one, never the unfinished put");
    assertNotNull(f.find("unfinished"));
  }

  @Test
  void replicasOnAnUnmountedSegmentAreUnreadableAtOnce() {
    ShardFixture f = new ShardFixture(64 * MIB, 64 * MIB);
    ReplicateConfig onFirst = ReplicateConfig.newBuilder().addPreferredSegments("seg-0").build();
    ReplicateConfig onSecond = ReplicateConfig.newBuilder().addPreferredSegments("seg-1").build();
    assertEquals(ErrorCode.OK, f.putStart("gone", 100, onFirst));
    f.putEnd("gone");
    assertEquals(ErrorCode.OK, f.putStart("stays", 100, onSecond));
    f.putEnd("stays");
    f.segments.unmount("seg-0");
    assertEquals(ErrorCode.OBJECT_NOT_FOUND, f.lease("gone"));
    assertEquals(ErrorCode.OK, f.lease("stays"));
    assertEquals(1, f.shard.objectCount());
  }

  @Test
  void softPinRequestsAreValidatedAndTheDeadlineStartsAtPutEnd() { // items 26, 27
    ShardFixture f = new ShardFixture(64 * MIB);
    ReplicateConfig ttlWithPreserve = ReplicateConfig.newBuilder()
        .setSoftPin(SoftPin.newBuilder().setAction(SoftPinAction.PRESERVE).setTtlMs(1000)).build();
    ReplicateConfig tooLong = ReplicateConfig.newBuilder()
        .setSoftPin(SoftPin.newBuilder().setAction(SoftPinAction.ENABLE).setTtlMs(86_400_001)).build();
    ReplicateConfig pinned = ReplicateConfig.newBuilder()
        .setSoftPin(SoftPin.newBuilder().setAction(SoftPinAction.ENABLE)).build();
    assertEquals(ErrorCode.INVALID_PARAMS, f.putStart("a", 100, ttlWithPreserve));
    assertEquals(ErrorCode.INVALID_PARAMS, f.putStart("a", 100, tooLong));
    assertEquals(ErrorCode.OK, f.putStart("a", 100, pinned));
    f.clock.advance(5_000);
    assertFalse(f.find("a").isSoftPinned(f.clock.nowMs()), "not pinned before PutEnd");
    f.putEnd("a");
    assertEquals(f.clock.nowMs() + 1_800_000, f.find("a").softPinDeadlineMs());
    f.lease("a");
    assertEquals(f.clock.nowMs() + 1_800_000, f.find("a").softPinDeadlineMs(), "reads do not extend the pin");
  }

  @Test
  void abandonedPutsAreReclaimedAfterTheReleaseTimeout() {
    ShardSettings s = new ShardSettings(10_000, 3_000, 5_000, 1_800_000, 86_400_000, 64 * MIB, 64);
    ShardFixture f = new ShardFixture(s, "random", 16 * MIB);
    assertEquals(ErrorCode.OK, f.putStart("abandoned", 10 * MIB));
    f.clock.advance(4_999);
    f.shard.housekeeping().sweep();
    assertNotNull(f.find("abandoned"));
    f.clock.advance(1);
    assertEquals(1, f.shard.housekeeping().sweep());
    assertNull(f.find("abandoned"));
    assertEquals(0, f.segments.allocatedBytes());
    assertEquals(0, f.shard.processingCount());
  }
}
