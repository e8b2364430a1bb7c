package io.kvcache.e2e;

import io.kvcache.app.Node;
import io.kvcache.bus.Addresses;
import io.kvcache.proto.bus.SliceZero;
import io.kvcache.testing.Await;
import io.kvcache.testing.ChildNode;
import io.kvcache.testing.TestNodes;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A peer node killed (SIGKILL) while hundreds of event-bus requests to it are in flight. Vert.x 5.0 then threw
 * "IllegalStateException: Promise already completed" for each write that failed on the dead connection and logged it
 * SEVERE with a stack trace (48 times in one run); see {@code UnhandledExceptions}. Every request is still answered.
 */
class PeerDeathLogTest {
  private static final int IN_FLIGHT = 256;

  private Node a;
  private final List<LogRecord> records = Collections.synchronizedList(new ArrayList<>());
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord record) {
      if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
        records.add(record);
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  @AfterEach
  void stop() {
    Logger.getLogger("").removeHandler(capture);
    TestNodes.stop(a);
  }

  @Test
  void killingAPeerWithRequestsInFlightLogsNoPromiseCompletedTwice() throws Exception {
    String cluster = TestNodes.uniqueCluster();
    int portA = TestNodes.freePort(), portB = TestNodes.freePort();
    List<Integer> members = List.of(portA, portB);
    a = TestNodes.start(TestNodes.config(cluster, "node-a", portA, members, List.of("master", "storage", "gateway"),
        "64MiB"));
    JsonObject configB = TestNodes.config(cluster, "node-b", portB, members, List.of("storage"), "64MiB");
    AtomicInteger outstanding = new AtomicInteger();
    try (ChildNode childB = ChildNode.start(configB, Path.of(System.getProperty("kv.test.dir", "target/test-data")))) {
      Await.until("node-b's segment mounted", Duration.ofSeconds(60),
          () -> a.master().segments().snapshot().length == 2);
      String nodeB = Arrays.stream(a.master().segments().snapshot()).filter(s -> s.name().equals("node-b"))
          .findFirst().orElseThrow().nodeId();
      Logger.getLogger("").addHandler(capture);
      SliceZero read = SliceZero.newBuilder().setSegment("node-b").setOffset(0).setLength(16).build();
      DeliveryOptions timeout = new DeliveryOptions().setSendTimeout(5000);
      long killAt = System.nanoTime() + 500_000_000L;
      long end = killAt + 3_000_000_000L;
      boolean killed = false;
      for (int i = 0; i < 200_000 && System.nanoTime() < end; i++) {
        if (!killed && System.nanoTime() > killAt) {
          childB.kill();
          killed = true;
        }
        if (outstanding.get() >= IN_FLIGHT) {
          Await.until("a request slot", Duration.ofSeconds(30), () -> outstanding.get() < IN_FLIGHT);
        }
        outstanding.incrementAndGet();
        a.vertx().eventBus().request(Addresses.segment(nodeB), read, timeout)
            .onComplete(ar -> outstanding.decrementAndGet());
      }
      assertTrue(killed, "node-b was killed with requests in flight");
      Await.until("every request answered", Duration.ofSeconds(30), () -> outstanding.get() == 0);
      Await.until("the master notices node-b is gone", Duration.ofSeconds(60),
          () -> a.master().segments().snapshot().length == 1);
    }
    List<String> seen = new ArrayList<>();
    synchronized (records) {
      for (LogRecord r : records) {
        seen.add(r.getLevel() + " " + r.getLoggerName() + ": " + r.getMessage()
            + (r.getThrown() == null ? "" : " / " + r.getThrown()));
      }
    }
    assertTrue(seen.stream().noneMatch(s -> s.contains("already completed")), String.join("\n", seen));
  }
}
