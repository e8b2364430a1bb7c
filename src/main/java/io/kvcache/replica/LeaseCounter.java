package io.kvcache.replica;

/**
 * Counts the objects of a shard whose read lease is live, without scanning them: each granted lease is counted in the
 * bucket of the second its deadline falls in, extending a live lease moves it to a later bucket, and a bucket is emptied
 * once its second is over. Only deadlines set by {@link #granted} are counted (PutEnd's "lease = now" is not a lease).
 * The count may include leases that expired less than a second ago; O(1) per grant.
 *
 * <p>Not thread-safe: one per shard; {@link #live()} may be read racily by a metrics thread.
 */
public final class LeaseCounter {
  private final int[] perSecond;
  private long clearedThroughSecond;
  private volatile long live;

  /** @param maxTtlMs the longest lease granted (the ring must span every live deadline) */
  public LeaseCounter(long maxTtlMs, long nowMs) {
    this.perSecond = new int[(int) (maxTtlMs / 1000) + 3];
    this.clearedThroughSecond = nowMs / 1000;
  }

  /** Records a lease moving from {@code oldDeadlineMs} (0 or past: none) to {@code newDeadlineMs} (&gt; now). */
  public void granted(long oldDeadlineMs, long newDeadlineMs, long nowMs) {
    advance(nowMs);
    if (oldDeadlineMs > nowMs) {
      perSecond[bucket(oldDeadlineMs)]--;
    } else {
      live++;
    }
    perSecond[bucket(newDeadlineMs)]++;
  }

  /** Forgets the lease of an object that is going away (deadline {@code deadlineMs}). */
  public void dropped(long deadlineMs, long nowMs) {
    advance(nowMs);
    if (deadlineMs > nowMs) {
      perSecond[bucket(deadlineMs)]--;
      live--;
    }
  }

  /** Live leases as of the last call that moved time ({@link #advance}). */
  public long live() {
    return live;
  }

  /** Empties the buckets of every second that has passed; a lease whose deadline second is over has expired. */
  public void advance(long nowMs) {
    long nowSecond = nowMs / 1000;
    // A deadline in second s expires during s; counting it until s is over makes the count exact to the second.
    for (long s = clearedThroughSecond + 1; s < nowSecond && s <= clearedThroughSecond + perSecond.length; s++) {
      int b = (int) Math.floorMod(s, (long) perSecond.length);
      live -= perSecond[b];
      perSecond[b] = 0;
    }
    if (nowSecond - 1 > clearedThroughSecond) {
      clearedThroughSecond = nowSecond - 1;
    }
  }

  private int bucket(long deadlineMs) {
    return (int) Math.floorMod(deadlineMs / 1000, (long) perSecond.length);
  }
}
