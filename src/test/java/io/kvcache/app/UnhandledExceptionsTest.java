package io.kvcache.app;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class UnhandledExceptionsTest {
  /** Like Vert.x 5.0's OutboundDeliveryContext: handles a failure, then says it did not. */
  private static final class HandlesThenDenies implements Promise<Void> {
    Throwable handled;

    @Override
    public boolean tryComplete(Void result) {
      return true;
    }

    @Override
    public boolean tryFail(Throwable cause) {
      handled = cause;
      return false;
    }

    @Override
    public Future<Void> future() {
      throw new UnsupportedOperationException();
    }
  }

  @Test
  void recognisesVertxsFailedWriteDefectAndNothingElse() {
    HandlesThenDenies context = new HandlesThenDenies();
    // What OutboundConnection does: socket.write(data).onComplete(writePromise), and the write fails.
    Promise<Void> socketWrite = Promise.promise();
    socketWrite.future().onComplete(context);
    IllegalStateException thrown = assertThrows(IllegalStateException.class,
        () -> socketWrite.fail(new RuntimeException("Connection reset")));
    assertEquals("Connection reset", context.handled.getMessage(), "the failure was handled before the throw");
    assertEquals("Promise already completed", thrown.getMessage());
    assertTrue(UnhandledExceptions.isFailedWriteDefect(thrown));

    assertFalse(UnhandledExceptions.isFailedWriteDefect(new IllegalStateException("Promise already completed")),
        "the same message thrown from anywhere else is not the defect");
    Promise<Void> once = Promise.promise();
    once.complete();
    IllegalStateException twice = assertThrows(IllegalStateException.class, () -> once.fail("again"));
    assertFalse(UnhandledExceptions.isFailedWriteDefect(twice), "a real second completion by a caller is not it");
    assertFalse(UnhandledExceptions.isFailedWriteDefect(new NullPointerException()));
  }
}
