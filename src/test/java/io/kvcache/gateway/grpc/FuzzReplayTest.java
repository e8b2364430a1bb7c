package io.kvcache.gateway.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.kvcache.app.Node;
import io.kvcache.testing.TestNodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Replays one fuzz input by hand, on a fresh node with the fuzz config: the connection that carried it in the run (all
 * its calls, in order; or the input alone), with every HTTP/2 frame logged, and each call's answer and verdict printed.
 * Skipped unless asked for, with the run seed and the input seed a failure report names:
 *
 * <pre>
 * flock /tmp/mvn.lock mvn -o -B test -Dtest=FuzzReplayTest -Dfuzz.seed=RUN_SEED -Dfuzz.replay=INPUT_SEED \
 *     [-Dfuzz.replay.alone=true] [-Drawh2.frames=true]
 * </pre>
 *
 * Fails if any replayed call is answered wrongly or the server closes the connection.
 */
@EnabledIfSystemProperty(named = "fuzz.replay", matches = "-?[0-9]+")
class FuzzReplayTest {
  private static final long MAX_BATCHES = 100_000;

  @Test
  void replayTheConnectionOfOneInput() throws Exception {
    long runSeed = Long.getLong("fuzz.seed", ProtocolFuzzTest.DEFAULT_SEED);
    long inputSeed = Long.getLong("fuzz.replay");
    Path shm = Files.createTempDirectory("kvs-fuzz-shm");
    Node node = TestNodes.start(FuzzSession.nodeConfig(shm));
    try {
      FuzzPlan.Connection planned = find(FuzzSession.plan(node, runSeed), inputSeed);
      assertNotNull(planned, "input seed " + inputSeed + " is in none of the first " + MAX_BATCHES + " batches of run "
          + runSeed);
      List<ProtocolFuzzer.StreamInput> calls = Boolean.getBoolean("fuzz.replay.alone")
          ? planned.calls().stream().filter(c -> c.seed() == inputSeed).toList() : planned.calls();
      FuzzRun.Endpoints endpoints = new FuzzRun.Endpoints(TestNodes.HOST, node.grpcPort(), FuzzSession.unixPath(node));
      List<String> wrong = new ArrayList<>();
      try (RawH2Client c = endpoints.connect(planned.unix(), planned.window())) {
        List<Integer> ids = new ArrayList<>();
        for (ProtocolFuzzer.StreamInput in : calls) {
          ids.add(FuzzRun.send(c, in));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        for (int i = 0; i < calls.size(); i++) {
          ProtocolFuzzer.StreamInput in = calls.get(i);
          RawH2Client.Outcome o = in.expect() == ProtocolFuzzer.Expect.ANSWER ? c.outcomeBy(ids.get(i), deadline)
              : c.outcomeNow(ids.get(i));
          String why = FuzzVerdicts.check(in, o, c.statusesReceived(ids.get(i)));
          System.out.println((why == null ? "ok    " : "WRONG ") + in.describe() + " expect " + in.expect() + " "
              + (in.expectedStatus() == null ? "" : FuzzStats.statusName(in.expectedStatus())) + " -> "
              + FuzzVerdicts.label(o) + (o == null ? "" : " '" + o.grpcMessage() + "'")
              + (why == null ? "" : ": " + why));
          if (why != null) {
            wrong.add(in.describe() + ": " + why);
          }
        }
        System.out.println("connection: " + (c.isOpen() ? "open" : "closed, " + c.closeReason()));
      }
      assertEquals(List.of(), wrong);
    } finally {
      TestNodes.stop(node);
      Files.deleteIfExists(shm);
    }
  }

  /** The planned connection carrying {@code inputSeed}, or null. */
  private static FuzzPlan.Connection find(FuzzPlan plan, long inputSeed) {
    for (long b = 0; b < MAX_BATCHES; b++) {
      for (FuzzPlan.Connection c : plan.next().connections()) {
        if (c.calls().stream().anyMatch(in -> in.seed() == inputSeed)) {
          return c;
        }
      }
    }
    return null;
  }
}
