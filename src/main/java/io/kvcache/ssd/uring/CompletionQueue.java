package io.kvcache.ssd.uring;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The completion side of a ring: the kernel-shared CQ ring (head, tail, overflow counter, CQE array). The kernel
 * appends CQEs and releases the tail; we read them after an acquire of the tail and hand the slots back by releasing
 * the head.
 *
 * <p>Not thread-safe: owned by the one thread that owns its {@link IoUring}.
 */
final class CompletionQueue {
  /** Receives one completion. */
  @FunctionalInterface
  interface Handler {
    void onCompletion(long userData, int res);
  }

  private final MemorySegment ring;
  private final long headOffset;
  private final long tailOffset;
  private final long overflowOffset;
  private final long cqesOffset;
  private final int mask;
  private final int entries;

  CompletionQueue(MemorySegment ring, MemorySegment params) {
    this.ring = ring;
    long off = IoUringParamsLayout.CQ_OFF;
    headOffset = params.get(JAVA_INT, off + CqRingOffsetsLayout.HEAD);
    tailOffset = params.get(JAVA_INT, off + CqRingOffsetsLayout.TAIL);
    overflowOffset = params.get(JAVA_INT, off + CqRingOffsetsLayout.OVERFLOW);
    cqesOffset = params.get(JAVA_INT, off + CqRingOffsetsLayout.CQES);
    mask = ring.get(JAVA_INT, params.get(JAVA_INT, off + CqRingOffsetsLayout.RING_MASK));
    entries = ring.get(JAVA_INT, params.get(JAVA_INT, off + CqRingOffsetsLayout.RING_ENTRIES));
  }

  int entries() {
    return entries;
  }

  /** Hands every completion posted so far to {@code handler}; returns how many. */
  int drain(Handler handler) {
    // Plain read: only this thread writes the CQ head.
    int head = (int) SubmissionQueue.INT.get(ring, headOffset);
    // Acquire: pairs with the kernel's release of the tail, so the CQE bytes it wrote before are visible to us.
    int tail = (int) SubmissionQueue.INT.getAcquire(ring, tailOffset);
    int count = tail - head;
    for (int i = head; i != tail; i++) {
      long cqe = cqesOffset + (long) (i & mask) * CqeLayout.SIZE;
      long userData = ring.get(JAVA_LONG, cqe + CqeLayout.USER_DATA);
      int res = ring.get(JAVA_INT, cqe + CqeLayout.RES);
      handler.onCompletion(userData, res);
    }
    if (count != 0) {
      // Release: tells the kernel we finished reading these CQE slots, so it may overwrite them.
      SubmissionQueue.INT.setRelease(ring, headOffset, tail);
    }
    return count;
  }

  /** Completions the kernel dropped for lack of CQ space (and memory for its overflow list). */
  int overflow() {
    // Acquire: the kernel increments this counter when it gives up on a completion; any change means lost CQEs.
    return (int) SubmissionQueue.INT.getAcquire(ring, overflowOffset);
  }
}
