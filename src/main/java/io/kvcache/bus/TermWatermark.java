package io.kvcache.bus;

import io.micrometer.core.instrument.Counter;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The highest master term a node has seen, and the check of a presented term against it: an older one is refused and
 * counted, any other raises the mark. What {@link MasterPresence} (answers to a node's calls) and a storage node's
 * session (answers, and the writes it serves) both keep.
 *
 * <p>Thread-safe: the mark is an atomic maximum, and a term is admitted only if it was not below the mark when it was
 * compared and set in one step.
 */
public final class TermWatermark implements Terms {
  private final AtomicLong term = new AtomicLong();
  private final Counter staleRefused;

  /** @param staleRefused counts terms refused as older than the mark */
  public TermWatermark(Counter staleRefused) {
    this.staleRefused = staleRefused;
  }

  @Override
  public long term() {
    return term.get();
  }

  @Override
  public boolean admit(long presented) {
    for (long seen = term.get(); ; seen = term.get()) {
      if (presented < seen) {
        staleRefused.increment();
        return false;
      }
      if (presented == seen || term.compareAndSet(seen, presented)) {
        return true;
      }
    }
  }
}
