package io.kvcache.gateway;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.HashMap;
import java.util.Map;

/** {@code kvstore_gateway_*} meters: requests, failures and batch items per operation, bytes in and out. */
final class GatewayMetrics {
  private final MeterRegistry registry;
  private final Map<String, Counter[]> byOp = new HashMap<>();
  final Counter bytesIn;
  final Counter bytesOut;
  final Counter ssdReads;
  final Counter ssdReadBytes;

  GatewayMetrics(MeterRegistry registry) {
    this.registry = registry;
    bytesIn = Counter.builder("kvstore_gateway_bytes_in").description("Value bytes received by puts").register(registry);
    bytesOut = Counter.builder("kvstore_gateway_bytes_out").description("Value bytes sent by gets").register(registry);
    ssdReads = Counter.builder("kvstore_gateway_ssd_reads").description("Values read back from an SSD")
        .register(registry);
    ssdReadBytes = Counter.builder("kvstore_gateway_ssd_read_bytes").description("Bytes read back from SSDs")
        .register(registry);
  }

  /**
   * Counts one call of {@code op} with {@code items} keys of which {@code failedItems} did not succeed; a call with some
   * but not all keys failed is also a partial success (the reference's batch metric).
   */
  void record(String op, int items, int failedItems) {
    Counter[] c = byOp.computeIfAbsent(op, this::register);
    c[0].increment();
    c[1].increment(items);
    if (failedItems > 0) {
      c[2].increment();
      c[3].increment(failedItems);
      if (failedItems < items) {
        c[4].increment();
      }
    }
  }

  private Counter[] register(String op) {
    return new Counter[] {
        Counter.builder("kvstore_gateway_requests").tag("op", op).description("Calls per operation").register(registry),
        Counter.builder("kvstore_gateway_items").tag("op", op).description("Keys per operation").register(registry),
        Counter.builder("kvstore_gateway_failures").tag("op", op).description("Calls with a failed key")
            .register(registry),
        Counter.builder("kvstore_gateway_failed_items").tag("op", op).description("Keys that failed")
            .register(registry),
        Counter.builder("kvstore_gateway_partial_successes").tag("op", op)
            .description("Batch calls where some keys succeeded and some failed").register(registry),
    };
  }
}
