package io.kvcache.bus;

/**
 * A node's view of the master term: the highest term it has seen, which its requests to the master carry, and the check
 * of a presented term (an answer or a write) against it.
 */
public interface Terms {
  /** The highest master term seen. */
  long term();

  /** False (refused and counted) if {@code presented} is older than the highest term seen; otherwise raises it. */
  boolean admit(long presented);
}
