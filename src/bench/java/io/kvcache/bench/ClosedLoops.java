package io.kvcache.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * Closed-loop load, as redis-benchmark drives it: each loop keeps one call in flight and issues the next when the last
 * one completes, until the deadline passes or its step has nothing more to send. The first failure ends the run.
 */
final class ClosedLoops {
  private ClosedLoops() {}

  /** No deadline: loops run until their steps are done. */
  static final long UNTIL_DONE = Long.MAX_VALUE;

  /**
   * Runs {@code loops} loops and waits for all of them. {@code stepsOf} gives loop {@code i} its step: a supplier of
   * the next call, or of {@code null} when the loop is done. {@code starter} runs each loop's first step (where the
   * loop's calls are issued from, e.g. a Vert.x context).
   */
  static void run(int loops, long deadlineNanos, IntFunction<Supplier<Future<?>>> stepsOf, Consumer<Runnable> starter)
      throws Exception {
    List<Future<Void>> done = new ArrayList<>();
    for (int i = 0; i < loops; i++) {
      Supplier<Future<?>> step = stepsOf.apply(i);
      Promise<Void> finished = Promise.promise();
      done.add(finished.future());
      starter.accept(new Runnable() {
        @Override
        public void run() {
          Future<?> call = System.nanoTime() < deadlineNanos ? step.get() : null;
          if (call == null) {
            finished.tryComplete();
            return;
          }
          call.onComplete(ar -> {
            if (ar.failed()) {
              finished.tryFail(ar.cause());
            } else {
              run();
            }
          });
        }
      });
    }
    Future.all(done).await(600, TimeUnit.SECONDS);
  }

  /** As {@link #run(int, long, IntFunction, Consumer)}, each loop started from the calling thread. */
  static void run(int loops, long deadlineNanos, IntFunction<Supplier<Future<?>>> stepsOf) throws Exception {
    run(loops, deadlineNanos, stepsOf, Runnable::run);
  }

  /** Nanos-clock deadline {@code seconds} from now. */
  static long after(double seconds) {
    return System.nanoTime() + (long) (seconds * 1e9);
  }
}
