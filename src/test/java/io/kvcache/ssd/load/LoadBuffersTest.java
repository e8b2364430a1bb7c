package io.kvcache.ssd.load;

import io.kvcache.proto.v1.ErrorCode;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class LoadBuffersTest {
  private static final long MIB = 1 << 20;

  private static LoadBuffers buffers(Arena arena, long bytes) {
    return new LoadBuffers(arena.allocate(bytes, LoadBuffers.PAGE), 5_000);
  }

  @Test
  void slotsArePageAlignedWholePagesAndReleasedEarlyByTheirOwner() {
    try (Arena arena = Arena.ofConfined()) {
      LoadBuffers b = buffers(arena, 4 * MIB);
      LoadBuffers.Batch batch = b.allocate("gateway-1", new long[] {1, 4096, 70_000}, 0).value();
      assertNotNull(batch);
      for (int i = 0; i < batch.size(); i++) {
        MemorySegment slot = batch.slot(i);
        assertEquals(0, slot.address() % LoadBuffers.PAGE);
        assertEquals(0, slot.byteSize() % LoadBuffers.PAGE);
      }
      assertEquals(4096 + 4096 + 73_728, b.usedBytes());
      assertEquals(ErrorCode.ILLEGAL_CLIENT, b.release(batch.id(), "gateway-2"), "not the owner");
      assertEquals(1, b.refusedReleases());
      assertNull(b.get(batch.id(), "gateway-2"));
      assertEquals(ErrorCode.OK, b.release(batch.id(), "gateway-1"));
      assertEquals(0, b.usedBytes());
      assertEquals(1, b.earlyReleases());
      assertEquals(ErrorCode.TASK_NOT_FOUND, b.release(batch.id(), "gateway-1"), "only once");
    }
  }

  @Test
  void badSizesAreRefusedBeforeAnyArithmeticAndAllocateNothing() {
    try (Arena arena = Arena.ofConfined()) {
      LoadBuffers b = buffers(arena, 4 * MIB);
      for (long[] sizes : new long[][] {{-1}, {0}, {4 * MIB + 1}, {Long.MAX_VALUE}, {Long.MIN_VALUE}, {100, -1}}) {
        assertEquals(ErrorCode.INVALID_PARAMS, b.allocate("g", sizes, 0).code());
      }
      assertEquals(0, b.usedBytes());
      assertEquals(0, b.liveBatches());
    }
  }

  @Test
  void aFullRegionFailsWholeBatchesAndGcReclaimsForgottenOnes() {
    try (Arena arena = Arena.ofConfined()) {
      LoadBuffers b = buffers(arena, 4 * MIB);
      LoadBuffers.Batch forgotten = b.allocate("g", new long[] {3 * MIB}, 0).value();
      assertNotNull(forgotten);
      assertEquals(ErrorCode.BUFFER_OVERFLOW, b.allocate("g", new long[] {MIB / 2, MIB}, 1_000).code(), "all or nothing");
      assertEquals(3 * MIB, b.usedBytes(), "the failed batch left nothing behind");
      assertNotNull(b.allocate("g", new long[] {MIB, MIB}, 5_000).value(), "the forgotten batch's lease ran out: reclaimed");
      assertEquals(1, b.gcReclaims());
      assertNull(b.get(forgotten.id(), "g"));
    }
  }

  @Test
  void batchIdsAreRandom128BitAndUnguessable() {
    try (Arena arena = Arena.ofConfined()) {
      LoadBuffers b = buffers(arena, 64 * MIB);
      Set<String> ids = new HashSet<>();
      for (int i = 0; i < 1000; i++) {
        ids.add(b.allocate("g", new long[] {1}, 0).value().id());
      }
      assertEquals(1000, ids.size());
      assertTrue(ids.stream().allMatch(id -> id.length() == 32));
      assertEquals(ErrorCode.TASK_NOT_FOUND, b.release("00000000000000000000000000000001", "g"), "a guessed id");
    }
  }
}
