package io.kvcache.master;

import io.kvcache.bus.BusErrors;
import io.kvcache.testing.TestNodes;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What a caller learns from a master that refuses: before the work, "nothing done, ask the active master"; after the
 * work, when the lease ran out meanwhile, "answer withheld": maybe done, so only a repeatable call may be asked again.
 */
class MasterFenceTest {
  private final Vertx vertx = Vertx.vertx();
  private final AtomicBoolean serving = new AtomicBoolean(true);
  private final AtomicInteger applied = new AtomicInteger();
  private final MasterFence fence = new MasterFence(3, "node-m", serving::get, term -> {},
      new SimpleMeterRegistry().counter("stale"));

  @AfterEach
  void close() {
    TestNodes.close(vertx);
  }

  /** A master's handler: admitted, it does the work, then the lease may lapse before it answers. */
  private Throwable ask(boolean leaseLapsesWhileWorking) throws Exception {
    vertx.eventBus().consumer("master", msg -> {
      if (!fence.admit(msg)) {
        return;
      }
      applied.incrementAndGet();
      if (leaseLapsesWhileWorking) {
        serving.set(false);
      }
      fence.reply(msg, "done");
    });
    try {
      vertx.eventBus().request("master", "put").await(10, TimeUnit.SECONDS);
      return null;
    } catch (ReplyException e) {
      return e;
    }
  }

  @Test
  void anAnswerWithheldAfterTheWorkIsNotNothingDone() throws Exception {
    Throwable failure = ask(true);
    assertEquals(1, applied.get(), "the work was done");
    assertFalse(BusErrors.undelivered(failure), "not to be sent again blindly");
    assertTrue(BusErrors.lost(failure), "maybe applied: only a repeatable call is asked again");
    assertTrue(BusErrors.withheld(failure));
    assertEquals(io.kvcache.proto.v1.ErrorCode.UNAVAILABLE_IN_CURRENT_MODE, BusErrors.codeOf(failure));
  }

  @Test
  void aRequestRefusedBeforeTheWorkDidNothingAndMayBeSentAgain() throws Exception {
    serving.set(false);
    Throwable failure = ask(false);
    assertEquals(0, applied.get());
    assertTrue(BusErrors.undelivered(failure));
    assertFalse(BusErrors.lost(failure));
  }

  @Test
  void aServingMasterAnswersWithItsTerm() throws Exception {
    assertNull(ask(false));
    assertEquals(1, applied.get());
  }
}
