package io.kvcache.replica;

import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.ReplicateConfig;
import io.kvcache.proto.v1.SoftPin;
import io.kvcache.proto.v1.SoftPinAction;
import org.junit.jupiter.api.Test;

import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The reference's eviction scenarios (master_service_evict_scenario_test, lowerbound = target) on four shards: the
 * global choice must be exactly what a single unsharded master would make.
 */
class EvictionScenarioTest {
  private static final long MIB = 1 << 20;
  private static final int SHARDS = 4;

  /** Puts {@code n} objects named prefix-0.. with strictly increasing lease deadlines (PutEnd sets lease = now). */
  private static void putAging(Shards s, String prefix, int n, ReplicateConfig config) {
    for (int i = 0; i < n; i++) {
      s.clock.advance(1);
      assertEquals(ErrorCode.OK, s.put(prefix + i, 1024, config));
    }
  }

  private static int[] evictedIndices(Shards s, String prefix, int n) {
    return IntStream.range(0, n).filter(i -> !s.present(prefix + i)).toArray();
  }

  @Test
  void fourHundredObjectsAtFivePercentEvictExactlyTheTwentyOldest() {
    Shards s = new Shards(SHARDS, 64 * MIB);
    putAging(s, "k", 400, ReplicateConfig.getDefaultInstance());
    s.clock.advance(1);
    EvictionRound.Outcome outcome = s.evict(0.05, 0.05, true);
    assertEquals(20, outcome.evicted());
    assertArrayEquals(IntStream.range(0, 20).toArray(), evictedIndices(s, "k", 400));
  }

  @Test
  void twoHundredFiftyAtTenPercentEvictTwentyFive() {
    Shards s = new Shards(SHARDS, 64 * MIB);
    putAging(s, "k", 250, ReplicateConfig.getDefaultInstance());
    s.clock.advance(1);
    assertEquals(25, s.evict(0.10, 0.10, true).evicted());
    assertArrayEquals(IntStream.range(0, 25).toArray(), evictedIndices(s, "k", 250));
  }

  @Test
  void twoHundredAtEightyPercentEvictTheOldestHundredSixty() {
    Shards s = new Shards(SHARDS, 64 * MIB);
    putAging(s, "k", 200, ReplicateConfig.getDefaultInstance());
    s.clock.advance(1);
    assertEquals(160, s.evict(0.80, 0.80, true).evicted());
    assertArrayEquals(IntStream.range(0, 160).toArray(), evictedIndices(s, "k", 200));
  }

  @Test
  void softPinnedObjectsGoLastAndOldestFirst() {
    Shards s = new Shards(SHARDS, 64 * MIB);
    ReplicateConfig pinned = ReplicateConfig.newBuilder()
        .setSoftPin(SoftPin.newBuilder().setAction(SoftPinAction.ENABLE)).build();
    for (int i = 0; i < 10; i++) { // interleaved ages: pinned objects are not simply the newest
      s.clock.advance(1);
      assertEquals(ErrorCode.OK, s.put("pinned" + i, 1024, pinned));
      s.clock.advance(1);
      assertEquals(ErrorCode.OK, s.put("plain" + i, 1024, ReplicateConfig.getDefaultInstance()));
    }
    s.clock.advance(1);
    assertEquals(16, s.evict(0.80, 0.80, true).evicted());
    assertEquals(0, IntStream.range(0, 10).filter(i -> s.present("plain" + i)).count(), "every unpinned object goes");
    assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5}, evictedIndices(s, "pinned", 10), "then the 6 oldest pinned");
  }

  @Test
  void softPinnedObjectsStayWhenNotAllowed() {
    Shards s = new Shards(SHARDS, 64 * MIB);
    ReplicateConfig pinned = ReplicateConfig.newBuilder()
        .setSoftPin(SoftPin.newBuilder().setAction(SoftPinAction.ENABLE)).build();
    putAging(s, "pinned", 10, pinned);
    putAging(s, "plain", 10, ReplicateConfig.getDefaultInstance());
    s.clock.advance(1);
    assertEquals(10, s.evict(0.80, 0.80, false).evicted());
    assertEquals(0, evictedIndices(s, "pinned", 10).length);
  }

  @Test
  void aGroupIsEvictedWholeAndOneLeasedMemberProtectsIt() {
    for (boolean leaseOneMember : new boolean[] {false, true}) {
      Shards s = new Shards(SHARDS, 64 * MIB);
      ReplicateConfig group = ReplicateConfig.newBuilder().setGroupId("page-42").build();
      putAging(s, "member", 3, group); // oldest: the group's members (they land in different shards)
      putAging(s, "single", 10, ReplicateConfig.getDefaultInstance());
      if (leaseOneMember) {
        assertEquals(ErrorCode.OK, s.lease("member1"));
      }
      s.clock.advance(1);
      // base 13 objects; ceil(13 * 0.05) = 1 candidate to take
      EvictionRound.Outcome outcome = s.evict(0.05, 0.05, true);
      if (leaseOneMember) {
        assertEquals(1, outcome.evicted());
        assertEquals(0, evictedIndices(s, "member", 3).length, "a leased member protects its group");
        assertArrayEquals(new int[] {0}, evictedIndices(s, "single", 10), "the next oldest goes instead");
      } else {
        assertEquals(3, outcome.evicted(), "the whole group goes together");
        assertArrayEquals(new int[] {0, 1, 2}, evictedIndices(s, "member", 3));
        assertEquals(0, evictedIndices(s, "single", 10).length);
      }
    }
  }

  @Test
  void hardPinnedLeasedAndPinnedReplicasAreNeverEvicted() {
    Shards s = new Shards(SHARDS, 64 * MIB, 64 * MIB);
    assertEquals(ErrorCode.OK, s.put("hard", 1024, ReplicateConfig.newBuilder().setHardPin(true).build()));
    s.clock.advance(1);
    assertEquals(ErrorCode.OK, s.put("leased", 1024));
    s.clock.advance(1);
    assertEquals(ErrorCode.OK, s.put("copied", 1024, ReplicateConfig.newBuilder().addPreferredSegments("seg-0").build()));
    s.clock.advance(1);
    s.lease("leased");
    byte[] k = KeyCodec.encode("", "copied");
    assertNotNull(s.of("copied").replication().copyStart(9, k, KeyCodec.hash(k), "seg-0", java.util.List.of("seg-1")).value());
    assertEquals(1, s.shared.livePins().get());
    s.clock.advance(1);
    EvictionRound.Outcome outcome = s.evict(1.0, 1.0, true);
    assertEquals(0, outcome.evicted());
    assertTrue(s.present("hard") && s.present("leased") && s.present("copied"));
    assertEquals(1, outcome.base(), "only 'leased' counts: hard-pinned objects and pinned replicas are not evictable");
  }

  @Test
  void anObjectKeepsItsOtherReplicasWhenTheEvictableOneGoes() {
    Shards s = new Shards(1, 64 * MIB, 64 * MIB);
    assertEquals(ErrorCode.OK, s.put("two", 1024, ReplicateConfig.newBuilder().setReplicaNum(2)
        .addPreferredSegments("seg-0").addPreferredSegments("seg-1").build()));
    byte[] k = KeyCodec.encode("", "two");
    // A move from seg-0 to seg-0 is refused; a copy pins seg-0's replica, so only seg-1's can be evicted.
    assertNull(s.of("two").replication().moveStart(9, k, KeyCodec.hash(k), "seg-0", "seg-0").value());
    assertNotNull(s.of("two").replication().copyStart(9, k, KeyCodec.hash(k), "seg-0", java.util.List.of("seg-1")).value());
    s.clock.advance(1);
    assertEquals(1, s.evict(1.0, 1.0, true).evicted());
    ObjectEntry e = s.find("two");
    assertNotNull(e, "the pinned replica keeps the object");
    assertEquals(1, e.replicaCount());
    assertEquals("seg-0", ((MemoryReplica) e.replica(0)).segment().name());
  }
}
