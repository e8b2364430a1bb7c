package io.kvcache.replica;

import io.kvcache.ha.Journal;
import io.kvcache.ha.OpRecord;
import io.kvcache.ha.OpRecordCodec;
import io.kvcache.proto.v1.ErrorCode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.kvcache.replica.ShardFixture.key;
import static org.junit.jupiter.api.Assertions.*;

/**
 * What a shard tells the op log, and the durability of frees: memory of a published replica is reused only once the
 * record that dropped it is durable.
 */
class ShardJournalTest {
  private static final long MIB = 1 << 20;

  // The journal's clock only ages soft pins, which these tests do not use.
  private final Journal journal = new Journal(() -> 0L);
  private final ShardFixture f = new ShardFixture(journal, ShardSettings.defaults(), "random", 8 * MIB);

  private List<OpRecord> recordsFrom(long seq) {
    return journal.read(seq, 1000).stream().map(b -> OpRecordCodec.decode(b).record()).toList();
  }

  @Test
  void nothingIsRecordedUntilAStandbyAttachesThenEveryPublishedChangeIs() {
    assertEquals(ErrorCode.OK, f.put("before", 1000));
    assertEquals(0, journal.lastSeq(), "no standby: nothing recorded");
    long start = journal.startRecording();
    assertEquals(ErrorCode.OK, f.putStart("unfinished", 1000));
    assertEquals(start, journal.lastSeq(), "a put in flight is not recorded");
    assertEquals(ErrorCode.OK, f.putEnd("unfinished"));
    assertEquals(ErrorCode.OK, f.remove("before", true));
    List<OpRecord> records = recordsFrom(start + 1);
    assertEquals(2, records.size());
    OpRecord.ObjectPut put = (OpRecord.ObjectPut) records.get(0);
    assertArrayEquals(key("unfinished"), put.key());
    assertEquals(1000, put.size());
    MemoryReplica m = (MemoryReplica) f.find("unfinished").replica(0);
    assertEquals(List.of(new OpRecord.MemoryAt("seg-0", m.offset())), put.memory());
    assertArrayEquals(key("before"), ((OpRecord.ObjectErased) records.get(1)).key());
  }

  @Test
  void aRemovedObjectsMemoryIsReusedOnlyOnceItsRemovalIsDurable() {
    assertEquals(ErrorCode.OK, f.put("a", MIB));
    long start = journal.startRecording();
    assertTrue(journal.gate(start), "a standby that has everything may gate frees");
    assertEquals(ErrorCode.OK, f.remove("a", true));
    long erasedAt = journal.lastSeq();
    assertEquals(MIB, f.segments.allocatedBytes(), "the standby may still point at a's bytes");
    assertEquals(1, journal.waitingFrees());
    journal.durableUpTo(erasedAt - 1);
    assertEquals(MIB, f.segments.allocatedBytes(), "not durable yet");
    journal.durableUpTo(erasedAt);
    assertEquals(0, f.segments.allocatedBytes());
    assertEquals(0, journal.waitingFrees());
  }

  @Test
  void evictionRecordsTheDropBeforeFreeingAndAPutInFlightIsFreedAtOnce() {
    assertEquals(ErrorCode.OK, f.put("old", MIB));
    long start = journal.startRecording();
    journal.gate(start);
    f.clock.advance(60_000); // no lease left
    EvictionRound.Outcome out = new EvictionRound(f.access(), false, f.clock).run(1.0, 1.0);
    assertEquals(1, out.evicted());
    assertInstanceOf(OpRecord.ObjectErased.class, recordsFrom(start + 1).get(0));
    assertEquals(MIB, f.segments.allocatedBytes(), "evicted memory waits for durability");
    assertEquals(ErrorCode.OK, f.putStart("revoked", MIB));
    assertEquals(ErrorCode.OK, f.shard.puts().putRevoke(ShardFixture.WRITER, key("revoked"), ShardFixture.hash("revoked")));
    assertEquals(MIB, f.segments.allocatedBytes(), "an unpublished put's buffers go at once");
    journal.ungate();
    assertEquals(0, f.segments.allocatedBytes(), "no standby gates any more: everything waiting is freed");
  }

  @Test
  void aStandbyBehindWhatWasAlreadyFreedMayNotGate() {
    long start = journal.startRecording();
    assertEquals(ErrorCode.OK, f.put("a", 1000));
    assertEquals(ErrorCode.OK, f.remove("a", true)); // freed at once: nobody gated
    assertFalse(journal.gate(start), "a copy that has not applied the removal could point at reused memory");
    assertTrue(journal.gate(journal.lastSeq()));
  }
}
