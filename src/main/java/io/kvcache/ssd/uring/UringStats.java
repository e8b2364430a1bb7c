package io.kvcache.ssd.uring;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one io_uring engine, cheap to bump from any I/O thread and read from a metrics thread
 * ({@code kvstore_ssd_*} meters bind to the getters).
 *
 * <p>Thread-safe: every counter is a {@link LongAdder}.
 */
public final class UringStats {
  final LongAdder ringsCreated = new LongAdder();
  final LongAdder ringsClosed = new LongAdder();
  final LongAdder fixedReads = new LongAdder();
  final LongAdder plainReads = new LongAdder();
  final LongAdder writes = new LongAdder();
  final LongAdder registrations = new LongAdder();
  final LongAdder registrationFailures = new LongAdder();
  final LongAdder retries = new LongAdder();
  final LongAdder shortTransfers = new LongAdder();
  final LongAdder overflowFlushes = new LongAdder();
  final LongAdder staleCompletions = new LongAdder();
  final LongAdder brokenRings = new LongAdder();

  /** Rings set up (one per thread that did I/O, plus replacements of broken ones). */
  public long ringsCreated() {
    return ringsCreated.sum();
  }

  public long ringsClosed() {
    return ringsClosed.sum();
  }

  /** Read SQEs issued as IORING_OP_READ_FIXED (destination inside the registered region). */
  public long fixedReads() {
    return fixedReads.sum();
  }

  /** Read SQEs issued as plain IORING_OP_READ / READV. */
  public long plainReads() {
    return plainReads.sum();
  }

  /** Write SQEs issued (WRITE / WRITEV). */
  public long writes() {
    return writes.sum();
  }

  /** Successful IORING_REGISTER_BUFFERS of the registered region on a ring. */
  public long registrations() {
    return registrations.sum();
  }

  /** Rings on which registering the region failed (they use plain reads from then on). */
  public long registrationFailures() {
    return registrationFailures.sum();
  }

  /** Requests resubmitted after -EAGAIN/-EINTR. */
  public long retries() {
    return retries.sum();
  }

  /** Requests resubmitted for the rest of a short read or write. */
  public long shortTransfers() {
    return shortTransfers.sum();
  }

  /** Times completions had to be flushed from the kernel's overflow list (the CQ ring was full). */
  public long overflowFlushes() {
    return overflowFlushes.sum();
  }

  /** Completions whose tag belonged to no running batch (ignored). */
  public long staleCompletions() {
    return staleCompletions.sum();
  }

  /** Rings discarded after an unrecoverable ring error. */
  public long brokenRings() {
    return brokenRings.sum();
  }
}
