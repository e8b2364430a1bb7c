package io.kvcache.gateway.grpc;

import com.google.protobuf.ByteString;
import io.kvcache.proto.health.HealthCheckResponse;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.GetReply;
import io.kvcache.proto.v1.GetRequest;
import io.kvcache.proto.v1.PutReply;
import io.kvcache.proto.v1.PutRequest;
import io.kvcache.proto.v1.RemoveAllReply;
import io.kvcache.proto.v1.RemoveAllRequest;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.util.internal.PlatformDependent;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * What a node must look like after a fuzz run: every held resource back to 0 once the timeouts passed, normal calls
 * answered byte-exact on every listener, nothing left allocated once every object is removed, the heap near where it
 * started, and nothing at SEVERE or with a stack trace in the log.
 *
 * <p>Thread-safe: static helpers; {@link LogCapture} is a thread-safe handler.
 */
public final class FuzzNodeChecks {
  private FuzzNodeChecks() {}

  /**
   * The gauges of resources a call, a connection or a put may hold: request bytes, unsent replies, shared buffers, read
   * leases, pins, parked buffers, puts in flight, copy/move tasks. Each must return to 0 once nothing is in flight and
   * the timeouts (message, lease, put release) passed.
   */
  static final List<String> HELD_RESOURCES = List.of("kvstore_gateway_request_bytes_held",
      "kvstore_gateway_response_bytes_queued",
      "kvstore_gateway_registered_buffers", "kvstore_replica_live_leases", "kvstore_replica_live_pins",
      "kvstore_replica_parked_buffers", "kvstore_replica_processing_objects", "kvstore_tasks_unfinished_replications");

  /** Each held-resource gauge, summed over its tags (a missing gauge is NaN: the check then fails by name). */
  static Map<String, Double> heldResources(MeterRegistry meters) {
    Map<String, Double> out = new LinkedHashMap<>();
    for (String name : HELD_RESOURCES) {
      var gauges = meters.find(name).gauges();
      out.put(name, gauges.isEmpty() ? Double.NaN : gauges.stream().mapToDouble(Gauge::value).sum());
    }
    return out;
  }

  public static double gauge(MeterRegistry meters, String name) {
    return meters.find(name).gauges().stream().mapToDouble(Gauge::value).sum();
  }

  /** Null once every held resource is 0 (polled until {@code timeoutMs}), else the ones that stayed above. */
  static String awaitReleased(MeterRegistry meters, long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (true) {
      Map<String, Double> held = heldResources(meters);
      held.values().removeIf(v -> v == 0);
      if (held.isEmpty()) {
        return null;
      }
      if (System.nanoTime() > deadline) {
        return held.toString();
      }
      Thread.sleep(50);
    }
  }

  /** Null if a Put and a Get of a random value round-trip byte-exact and health is SERVING on {@code c}, else why not. */
  public static String roundTrip(RawH2Client c, String key, int size, long seed) throws Exception {
    byte[] value = new byte[size];
    new SplittableRandom(seed).nextBytes(value);
    byte[] put = unary(c, "/kvstore.v1.KvStore/Put",
        PutRequest.newBuilder().setKey(key).setValue(ByteString.copyFrom(value)).build().toByteArray());
    if (put == null || PutReply.parseFrom(put).getCode() != ErrorCode.OK) {
      return "Put of " + key + " failed: " + (put == null ? "no OK status" : PutReply.parseFrom(put));
    }
    byte[] get = unary(c, "/kvstore.v1.KvStore/Get", GetRequest.newBuilder().setKey(key).build().toByteArray());
    if (get == null) {
      return "Get of " + key + " failed";
    }
    GetReply reply = GetReply.parseFrom(get);
    if (reply.getCode() != ErrorCode.OK || !Arrays.equals(value, reply.getValue().toByteArray())) {
      return "Get of " + key + " returned " + reply.getCode() + " and " + reply.getValue().size() + " bytes, not the "
          + size + " bytes put";
    }
    byte[] health = unary(c, "/grpc.health.v1.Health/Check", new byte[0]);
    if (health == null || HealthCheckResponse.parseFrom(health).getStatus() != HealthCheckResponse.ServingStatus.SERVING) {
      return "health is not SERVING";
    }
    return null;
  }

  /** Removes every object of every namespace (forced); the number removed, or -1 if the call failed. */
  static long removeEverything(RawH2Client c) throws Exception {
    byte[] reply = unary(c, "/kvstore.v1.KvStore/RemoveAll",
        RemoveAllRequest.newBuilder().setAllNamespaces(true).setForce(true).build().toByteArray());
    if (reply == null) {
      return -1;
    }
    RemoveAllReply r = RemoveAllReply.parseFrom(reply);
    return r.getCode() == ErrorCode.OK ? r.getRemoved() : -1;
  }

  /** The reply message of a unary call, or null if it did not end OK with one message. */
  private static byte[] unary(RawH2Client c, String path, byte[] request) throws Exception {
    int id = c.start(path, "application/grpc", false);
    c.data(id, RawH2Client.frame(false, request), true);
    RawH2Client.Outcome o = c.outcome(id, 30);
    if (o.grpcStatus() != 0 || o.body().length < 5) {
      return null;
    }
    return Arrays.copyOfRange(o.body(), 5, o.body().length);
  }

  /** Used heap after asking for a full collection (twice): approximate, as any heap figure of a running JVM is. */
  public static long usedHeapAfterGc() {
    for (int i = 0; i < 2; i++) {
      System.gc();
    }
    Runtime rt = Runtime.getRuntime();
    return rt.totalMemory() - rt.freeMemory();
  }

  /**
   * Direct memory in use: the JVM's direct buffers plus what Netty allocated without them (its pools use direct memory
   * the JVM's buffer-pool bean does not see).
   */
  public static long directMemory() {
    long jvm = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
        .filter(b -> b.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
    return jvm + Math.max(0, PlatformDependent.usedDirectMemory());
  }

  /** Collects, from the root logger, every record at SEVERE or carrying a throwable (a stack trace in the log). */
  static final class LogCapture extends Handler implements AutoCloseable {
    private static final int KEPT = 20;
    private static final int KEPT_CHARS = 2000; // a leak report's first access records, not all of them
    private final List<String> kept = new ArrayList<>();
    private long count;

    static LogCapture install() {
      LogCapture capture = new LogCapture();
      capture.setLevel(Level.ALL);
      Logger.getLogger("").addHandler(capture);
      return capture;
    }

    @Override
    public synchronized void publish(LogRecord r) {
      if (r.getLevel().intValue() >= Level.SEVERE.intValue() || r.getThrown() != null) {
        count++;
        if (kept.size() < KEPT) {
          String line = r.getLevel() + " " + r.getLoggerName() + ": " + r.getMessage()
              + (r.getThrown() == null ? "" : " [" + r.getThrown() + "]");
          kept.add(line.length() <= KEPT_CHARS ? line : line.substring(0, KEPT_CHARS) + " ...");
        }
      }
    }

    synchronized long count() {
      return count;
    }

    synchronized List<String> lines() {
      return List.copyOf(kept);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
      Logger.getLogger("").removeHandler(this);
    }
  }
}
