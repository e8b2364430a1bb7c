package io.kvcache.replica;

/** Milliseconds on a monotonic scale (leases, pins and timeouts are all relative). Tests drive a manual one. */
@FunctionalInterface
public interface MillisClock {
  long nowMs();

  MillisClock MONOTONIC = () -> System.nanoTime() / 1_000_000L;
}
