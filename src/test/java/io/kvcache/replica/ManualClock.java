package io.kvcache.replica;

/** A clock tests move by hand, so TTLs and timeouts are exercised without waiting. */
final class ManualClock implements MillisClock {
  private long now = 1_000_000;

  @Override
  public long nowMs() {
    return now;
  }

  void advance(long ms) {
    now += ms;
  }
}
