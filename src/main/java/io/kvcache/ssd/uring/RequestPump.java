package io.kvcache.ssd.uring;

import java.util.List;

/**
 * Runs a list of {@link UringRequest}s to completion on one ring, keeping at most {@code depth} SQEs in flight: fills
 * the SQ, submits with one io_uring_enter, reaps, and refills as completions arrive. Short transfers and
 * -EAGAIN/-EINTR results go back to the ready queue; every other result finishes its request (success or errno).
 * Each CQE is matched to its request by {@code user_data = (generation << 32) | index}; a completion from another
 * generation cannot belong to this run and is counted and ignored.
 *
 * <p>{@link #run} returns only when no request of the run is in flight any more, so callers may free their buffers.
 *
 * <p>Not thread-safe: one pump per ring, used by the ring's thread.
 */
final class RequestPump implements CompletionQueue.Handler {
  /** Consecutive EAGAIN/EBUSY answers from io_uring_enter without any completion before we give up. */
  private static final int MAX_STALLED_ENTERS = 1000;

  private final IoUring ring;
  private final int depth;
  private final UringStats stats;
  private int generation;

  // State of the run in progress (valid only inside run()).
  private List<? extends UringRequest> requests;
  private int[] ready = new int[64];
  private int readyHead;
  private int readyCount;
  private int inflight;
  private int unfinished;

  RequestPump(IoUring ring, int depth, UringStats stats) {
    this.ring = ring;
    this.depth = Math.min(depth, Math.min(ring.sqEntries(), ring.cqEntries()));
    this.stats = stats;
  }

  /**
   * Runs {@code batch} until every request finished.
   *
   * @throws NativeIoException if the ring itself fails (io_uring_enter error); the ring must then be discarded
   */
  void run(List<? extends UringRequest> batch) throws NativeIoException {
    int n = batch.size();
    generation++;
    requests = batch;
    readyHead = 0;
    readyCount = 0;
    inflight = 0;
    unfinished = 0;
    if (ready.length < n) {
      ready = new int[Integer.highestOneBit(n - 1) << 1];
    }
    for (int i = 0; i < n; i++) {
      pushReady(i);
    }
    unfinished = n;
    int droppedBefore = ring.droppedCompletions();
    try {
      int stalled = 0;
      while (unfinished > 0) {
        fill();
        // All queued work is in flight: wait for all of it (one syscall per batch); else wait for one slot to refill.
        int wait = readyCount == 0 ? inflight : 1;
        int rc = ring.submit(wait);
        if (ring.flushOverflow()) {
          stats.overflowFlushes.increment();
        }
        int reaped = ring.drainCompletions(this);
        if (ring.droppedCompletions() != droppedBefore) {
          throw new NativeIoException("io_uring: kernel dropped completions, in-flight requests untracked", Errno.EIO);
        }
        stalled = rc < 0 && reaped == 0 ? stalled + 1 : 0;
        if (stalled > MAX_STALLED_ENTERS) {
          throw new NativeIoException("io_uring_enter kept refusing work", -rc);
        }
      }
    } finally {
      requests = null;
    }
  }

  private void fill() {
    int room = Math.min(depth - inflight, ring.sqSpace());
    while (room-- > 0 && readyCount > 0) {
      int index = popReady();
      UringRequest request = requests.get(index);
      request.prepare(ring, ((long) generation << 32) | index);
      inflight++;
    }
  }

  @Override
  public void onCompletion(long userData, int res) {
    if ((int) (userData >>> 32) != generation) {
      stats.staleCompletions.increment();
      return;
    }
    int index = (int) userData;
    inflight--;
    if (requests.get(index).complete(res)) {
      unfinished--;
      return;
    }
    (res < 0 ? stats.retries : stats.shortTransfers).increment();
    pushReady(index);
  }

  private void pushReady(int index) {
    ready[(readyHead + readyCount) & (ready.length - 1)] = index;
    readyCount++;
  }

  private int popReady() {
    int index = ready[readyHead];
    readyHead = (readyHead + 1) & (ready.length - 1);
    readyCount--;
    return index;
  }
}
