package io.kvcache.ssd.uring;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The submission side of a ring: the kernel-shared SQ ring (head, tail, flags, index array) and the SQE array.
 * Entries are written into the SQE slot at our private tail and become visible to the kernel only when
 * {@link #publish()} stores the new tail with release semantics.
 *
 * <p>Not thread-safe: owned by the one thread that owns its {@link IoUring}.
 */
final class SubmissionQueue {
  static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

  private final MemorySegment ring;
  private final MemorySegment sqes;
  private final long headOffset;
  private final long tailOffset;
  private final long flagsOffset;
  private final long droppedOffset;
  private final int mask;
  private final int entries;
  /** Our copy of the tail: entries prepared so far (published or not). Only this thread writes the shared tail. */
  private int tail;

  SubmissionQueue(MemorySegment ring, MemorySegment sqes, MemorySegment params) {
    this.ring = ring;
    this.sqes = sqes;
    long off = IoUringParamsLayout.SQ_OFF;
    headOffset = params.get(JAVA_INT, off + SqRingOffsetsLayout.HEAD);
    tailOffset = params.get(JAVA_INT, off + SqRingOffsetsLayout.TAIL);
    flagsOffset = params.get(JAVA_INT, off + SqRingOffsetsLayout.FLAGS);
    droppedOffset = params.get(JAVA_INT, off + SqRingOffsetsLayout.DROPPED);
    mask = ring.get(JAVA_INT, params.get(JAVA_INT, off + SqRingOffsetsLayout.RING_MASK));
    entries = ring.get(JAVA_INT, params.get(JAVA_INT, off + SqRingOffsetsLayout.RING_ENTRIES));
    long arrayOffset = params.get(JAVA_INT, off + SqRingOffsetsLayout.ARRAY);
    // The index array maps ring slot -> SQE index. We always use slot i for SQE i, so it is filled once here;
    // the release store of the tail in publish() makes these stores visible before the kernel reads any slot.
    for (int i = 0; i < entries; i++) {
      ring.set(JAVA_INT, arrayOffset + (long) i * Integer.BYTES, i);
    }
    // Plain read is enough: nothing has been submitted yet, so no one else has written the tail.
    tail = (int) INT.get(ring, tailOffset);
  }

  int entries() {
    return entries;
  }

  /** Free SQE slots: entries minus those the kernel has not consumed yet. */
  int space() {
    // Acquire: the kernel's head store (release) tells us which slots it has finished reading, so they may be reused.
    int head = (int) INT.getAcquire(ring, headOffset);
    return entries - (tail - head);
  }

  /** Entries prepared or published that the kernel has not consumed yet: what the next io_uring_enter should submit. */
  int unsubmitted() {
    // Acquire: pairs with the kernel's release of the head after it copied the SQEs it consumed.
    int head = (int) INT.getAcquire(ring, headOffset);
    return tail - head;
  }

  /**
   * Writes one SQE at the private tail. The caller checked {@link #space()}. All fields not named here are zero.
   */
  void prepare(byte opcode, int fd, long address, int length, long fileOffset, int opFlags, long userData,
               int bufIndex) {
    long base = (long) (tail & mask) * SqeLayout.SIZE;
    MemorySegment sqe = sqes.asSlice(base, SqeLayout.SIZE);
    sqe.fill((byte) 0);
    sqe.set(JAVA_BYTE, SqeLayout.OPCODE, opcode);
    sqe.set(JAVA_INT, SqeLayout.FD, fd);
    sqe.set(JAVA_LONG, SqeLayout.OFF, fileOffset);
    sqe.set(JAVA_LONG, SqeLayout.ADDR, address);
    sqe.set(JAVA_INT, SqeLayout.LEN, length);
    sqe.set(JAVA_INT, SqeLayout.OP_FLAGS, opFlags);
    sqe.set(JAVA_LONG, SqeLayout.USER_DATA, userData);
    sqe.set(JAVA_SHORT, SqeLayout.BUF_INDEX, (short) bufIndex);
    tail++;
  }

  /** Makes every prepared SQE visible to the kernel. */
  void publish() {
    // Release: publishes the SQE contents (and index array) written above to the kernel, which reads the tail with acquire.
    INT.setRelease(ring, tailOffset, tail);
  }

  /** True when the kernel parked completions in its overflow list: an io_uring_enter(GETEVENTS) must flush them. */
  boolean cqOverflowPending() {
    // Acquire: the kernel sets this flag (atomic or) after queueing the overflowed CQE; we act on it only afterwards.
    return ((int) INT.getAcquire(ring, flagsOffset) & IoUringConstants.IORING_SQ_CQ_OVERFLOW) != 0;
  }

  /** SQEs the kernel rejected as invalid without posting a completion (only with a bad index array). */
  int dropped() {
    return (int) INT.getAcquire(ring, droppedOffset);
  }
}
