package io.kvcache.gateway.grpc;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Runs a {@link FuzzPlan} against one node, batch by batch: opens each planned connection, sends its calls, runs the
 * batch's connection-level inputs alongside on connections of their own ({@link ConnectionAttacks}), waits for every
 * answer owed, checks each against {@link FuzzVerdicts}, and closes the connections (which ends the calls left open:
 * the path a client that dies takes). A connection the server closed under call-level inputs is a failure of its own,
 * reported with every input it carried.
 *
 * <p>Not thread-safe: one thread runs it; connection-level inputs run on its own small pool.
 */
final class FuzzRun implements AutoCloseable {
  /** Where the node listens. {@code unixPath} null: TCP only. */
  record Endpoints(String host, int port, String unixPath) {
    RawH2Client connect(boolean unix) throws InterruptedException {
      return connect(unix, RawH2Client.DEFAULT_WINDOW);
    }

    RawH2Client connect(boolean unix, int window) throws InterruptedException {
      return unix ? RawH2Client.unix(unixPath, window) : new RawH2Client(host, port, window);
    }
  }

  private final Endpoints endpoints;
  private final FuzzPlan plan;
  private final ConnectionAttacks attacks;
  private final long seed;
  private final FuzzStats stats;
  private final long answerTimeoutMs;
  private final ExecutorService pool = Executors.newFixedThreadPool(2);

  FuzzRun(Endpoints endpoints, FuzzPlan plan, ConnectionAttacks attacks, long seed, FuzzStats stats,
          long answerTimeoutMs) {
    this.endpoints = endpoints;
    this.plan = plan;
    this.attacks = attacks;
    this.seed = seed;
    this.stats = stats;
    this.answerTimeoutMs = answerTimeoutMs;
  }

  /** Runs batches until at least {@code maxInputs} inputs were tried or {@code deadlineNanos} (nanoTime) passed. */
  void run(long maxInputs, long deadlineNanos) throws Exception {
    while (stats.inputs() < maxInputs && System.nanoTime() < deadlineNanos) {
      batch(plan.next());
      stats.heapSample(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
  }

  private record Sent(ProtocolFuzzer.StreamInput input, RawH2Client client, int streamId) {}

  private void batch(FuzzPlan.Batch batch) throws Exception {
    List<RawH2Client> clients = new ArrayList<>();
    List<Future<?>> attacksRunning = new ArrayList<>();
    try {
      List<List<Sent>> sent = new ArrayList<>();
      for (FuzzPlan.Connection planned : batch.connections()) {
        RawH2Client c = endpoints.connect(planned.unix(), planned.window());
        clients.add(c);
        List<Sent> on = new ArrayList<>();
        for (ProtocolFuzzer.StreamInput in : planned.calls()) {
          stats.streamInput(in.target().path(), planned.unix(), in.kind());
          on.add(new Sent(in, c, send(c, in)));
        }
        sent.add(on);
      }
      for (FuzzPlan.Attack a : batch.attacks()) {
        attacksRunning.add(pool.submit(() -> attacks.run(a.input(), a.unix())));
      }
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(answerTimeoutMs);
      for (int i = 0; i < sent.size(); i++) {
        check(batch.connections().get(i), sent.get(i), deadline);
      }
      for (Future<?> f : attacksRunning) {
        f.get(answerTimeoutMs * 4, TimeUnit.MILLISECONDS);
      }
    } finally {
      clients.forEach(RawH2Client::close);
    }
  }

  /** Sends one input's headers and steps on {@code c}; returns its stream id. */
  static int send(RawH2Client c, ProtocolFuzzer.StreamInput in) {
    int id = c.start(in.headers(), in.endOnHeaders());
    for (ProtocolFuzzer.Step step : in.steps()) {
      switch (step) {
        case ProtocolFuzzer.Frames f -> c.frames(id, f.pieces(), f.end());
        case ProtocolFuzzer.Trailers t -> c.trailers(id);
        case ProtocolFuzzer.Reset r -> {
          c.reset(id);
          return id;
        }
      }
    }
    return id;
  }

  /** Checks the answers of one connection's calls; a connection closed under them is one failure, with its inputs. */
  private void check(FuzzPlan.Connection planned, List<Sent> calls, long deadline) throws InterruptedException {
    boolean closedReported = false;
    for (Sent s : calls) {
      RawH2Client.Outcome o = s.input().expect() == ProtocolFuzzer.Expect.ANSWER
          ? s.client().outcomeBy(s.streamId(), deadline) : s.client().outcomeNow(s.streamId());
      stats.outcome(FuzzVerdicts.label(o));
      String why = FuzzVerdicts.check(s.input(), o, s.client().statusesReceived(s.streamId()));
      if (why == null) {
        continue;
      }
      if (o == null) {
        stats.hang(why + ": " + s.input().describe() + " on " + (planned.unix() ? "unix" : "tcp") + " (run seed "
            + seed + ")");
      } else if (o.connectionClosed()) {
        if (!closedReported) {
          closedReported = true;
          stats.failure("the server closed a connection under call-level inputs (" + s.client().closeReason()
              + "; run seed " + seed + "): " + planned.describe());
        }
      } else {
        stats.failure(why + ": " + s.input().describe() + " on " + (planned.unix() ? "unix" : "tcp") + " (run seed "
            + seed + ")");
      }
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
