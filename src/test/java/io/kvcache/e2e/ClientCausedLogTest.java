package io.kvcache.e2e;

import io.kvcache.app.Node;
import io.kvcache.bus.Addresses;
import io.kvcache.proto.bus.MetaKeys;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.testing.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.*;

/** A flood of malformed requests to the master's metadata adapter: each answered, the log gets a few lines. */
class ClientCausedLogTest {
  private final Logger adapterLog = Logger.getLogger("io.kvcache.master.MetadataVerticle");
  private final List<LogRecord> records = Collections.synchronizedList(new ArrayList<>());
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord record) {
      records.add(record);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };
  private Node node;

  @AfterEach
  void stop() {
    adapterLog.removeHandler(capture);
    TestNodes.stop(node);
  }

  @Test
  void malformedMetadataRequestsAreAnsweredAndLoggedAtMostTenTimesWithoutStacks() {
    node = TestNodes.start(TestNodes.singleNode("64MiB"));
    adapterLog.addHandler(capture);
    MetaKeys unknownOp = MetaKeys.newBuilder().setOpValue(99).build();
    long start = System.nanoTime();
    for (int i = 0; i < 200; i++) {
      Throwable failure = TestNodes.await(node.vertx().eventBus().request(Addresses.metadata(node.nodeId()), unknownOp)
          .transform(ar -> Future.succeededFuture(ar.cause())));
      assertInstanceOf(ReplyException.class, failure);
      assertEquals(ErrorCode.INVALID_PARAMS_VALUE, ((ReplyException) failure).failureCode());
    }
    long intervals = (System.nanoTime() - start) / 10_000_000_000L + 1; // 1 unless this machine crawled
    List<LogRecord> lines = List.copyOf(records);
    assertTrue(lines.size() >= 10 && lines.size() <= 11 * intervals,
        lines.size() + " lines for 200 malformed requests in " + intervals + " interval(s) of 10 s");
    for (LogRecord r : lines) {
      assertNull(r.getThrown(), "no stack trace");
      assertTrue(r.getMessage().startsWith("malformed metadata request"), r.getMessage());
    }
  }
}
