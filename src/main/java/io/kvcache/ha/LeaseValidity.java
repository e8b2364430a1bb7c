package io.kvcache.ha;

/**
 * How long a lease holder may act on its lease, from the answers to its grant calls (acquire, renewals) and the
 * monotonic time each was sent. A grant's owner stored {@code its now + lease}, and its now was after the send time, so
 * {@code send time + validFor} (validFor = lease minus a margin for clock rates and flight) ends before any successor
 * can be granted the lease — provided the member that decides for a successor has that grant. The lease entry's backups
 * are asynchronous, so the owner may die before its last change reached the member promoted in its place; hence a
 * grant counts only once a later grant has been answered: the owner ran the later one after the earlier one and queued
 * their backups in that order (one partition thread), a renewal interval apart.
 *
 * <p>Not thread-safe: one writer (the holder's context); {@link #validAt} may be read from any thread.
 */
public final class LeaseValidity {
  private final long validForNanos;
  private volatile long validUntilNanos;
  private boolean confirmable; // a grant was answered that the next one confirms
  private long lastGrantSentNanos;

  /** @param validForNanos how long after a grant's send time the holder may act on it */
  public LeaseValidity(long validForNanos, long nowNanos) {
    this.validForNanos = validForNanos;
    this.validUntilNanos = nowNanos;
  }

  /**
   * A grant sent at {@code sentNanos} (later than every grant recorded since the last {@link #reset}) was answered: it
   * confirms the previous one. Returns true if it was the first since the reset, which confirms nothing yet.
   */
  public boolean granted(long sentNanos) {
    boolean first = !confirmable;
    if (!first) {
      validUntilNanos = Math.max(validUntilNanos, lastGrantSentNanos + validForNanos);
    }
    lastGrantSentNanos = sentNanos;
    confirmable = true;
    return first;
  }

  /** Nothing granted so far counts any more (the lease was dropped, or the cluster's copy is being replaced). */
  public void reset(long nowNanos) {
    validUntilNanos = nowNanos;
    confirmable = false;
  }

  public boolean validAt(long nowNanos) {
    return nowNanos - validUntilNanos < 0;
  }
}
