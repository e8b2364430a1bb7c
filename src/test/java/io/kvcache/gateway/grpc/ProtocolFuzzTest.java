package io.kvcache.gateway.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvcache.app.Node;
import io.kvcache.testing.TestNodes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The protocol fuzzer's short run, in the default test command: 400 hostile inputs (every method of the KvStore,
 * health and reflection services, on TCP and on the Unix socket, plus attacks on whole connections; see
 * {@link ProtocolFuzzer}, {@link ConnectionFuzzer}, {@link FuzzPlan}) against a node with small limits, in at most
 * {@value #MAX_RUN_MS} ms of inputs. Each call gets at most one status, from the allowed set ({@link FuzzVerdicts}),
 * and every call owed an answer gets it within the deadline; after the run every held-resource gauge is back to 0, the
 * node serves a byte-exact Put/Get on every listener, holds no memory once every object is removed, has its heap and
 * direct memory near the baseline, leaked no Netty buffer, and logged nothing at SEVERE nor any stack trace.
 *
 * <p>The seed is fixed ({@link #DEFAULT_SEED}), so the suite sends the same inputs every time; {@code -Dfuzz.seed=N}
 * runs others and {@code -Dfuzz.inputs=N} changes the count. A failure names its run seed and input seed, which
 * {@link FuzzReplayTest} replays by hand. The long run is {@code bench/fuzz.sh}.
 */
class ProtocolFuzzTest {
  /** The seed of the short run unless {@code -Dfuzz.seed} names another. */
  static final long DEFAULT_SEED = 20_261_111L;
  private static final long MAX_RUN_MS = 30_000;

  private static Node node;
  private static Path shmDir;

  @BeforeAll
  static void start() throws Exception {
    shmDir = Files.createTempDirectory("kvs-fuzz-shm");
    node = TestNodes.start(FuzzSession.nodeConfig(shmDir));
  }

  @AfterAll
  static void stop() throws Exception {
    TestNodes.stop(node);
    Files.deleteIfExists(shmDir);
  }

  @Test
  void everyMethodOnBothListenersAnswersHostileInputAndTheNodeHoldsNothingAfter() throws Exception {
    long seed = Long.getLong("fuzz.seed", DEFAULT_SEED);
    long inputs = Long.getLong("fuzz.inputs", 400);
    FuzzSession.Result r = FuzzSession.run(node, seed, inputs, MAX_RUN_MS);
    String report = FuzzSession.describe(r);
    System.out.println(report);
    assertTrue(r.inputs() >= inputs, "ran " + r.inputs() + " inputs\n" + report);
    assertEquals(0, r.hangs(), "hangs (seed " + seed + ")\n" + report);
    assertEquals(0, r.failures(), "inputs answered wrongly (seed " + seed + ")\n" + report);
    assertEquals(List.of(), r.uncovered(), "methods not fuzzed on both listeners\n" + report);
    assertEquals(List.of(), r.problems(), "the node after the run (seed " + seed + ")\n" + report);
    assertEquals(0, r.severeLines(), "SEVERE lines or stack traces logged (seed " + seed + ")\n" + report);
    // The run exercised what it claims to: every allowed status came up.
    for (int status : FuzzVerdicts.ALLOWED) {
      String name = FuzzStats.statusName(status);
      assertTrue(r.outcomes().getOrDefault(name, 0) > 0, name + " never seen\n" + report);
    }
  }

  /** The same seed gives the same inputs, batch by batch: a failure's seeds reproduce it. */
  @Test
  void inputsAreAFunctionOfTheSeed() {
    FuzzPlan a = FuzzSession.plan(node, DEFAULT_SEED + 1);
    FuzzPlan b = FuzzSession.plan(node, DEFAULT_SEED + 1);
    for (int batch = 0; batch < 3; batch++) {
      FuzzPlan.Batch x = a.next();
      FuzzPlan.Batch y = b.next();
      assertEquals(describe(x), describe(y));
      for (int c = 0; c < x.connections().size(); c++) {
        for (int i = 0; i < x.connections().get(c).calls().size(); i++) {
          assertEquals(bytes(x.connections().get(c).calls().get(i)), bytes(y.connections().get(c).calls().get(i)));
        }
      }
    }
  }

  private static String describe(FuzzPlan.Batch b) {
    StringBuilder s = new StringBuilder();
    b.connections().forEach(c -> s.append(c.describe()).append('\n'));
    b.attacks().forEach(a -> s.append(a.input().describe()).append(a.unix()).append('\n'));
    return s.toString();
  }

  /** Every byte an input sends, with its frame boundaries, as text. */
  private static String bytes(ProtocolFuzzer.StreamInput in) {
    StringBuilder s = new StringBuilder(in.headers().toString());
    for (ProtocolFuzzer.Step step : in.steps()) {
      s.append(step instanceof ProtocolFuzzer.Frames f
          ? f.pieces().stream().map(java.util.HexFormat.of()::formatHex).toList() + " end " + f.end() : step);
    }
    return s.toString();
  }
}
