package io.kvcache.bench;

import io.kvcache.app.Node;
import io.kvcache.gateway.grpc.FuzzSession;
import io.kvcache.testing.TestNodes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Issue 11: the protocol fuzzer's long run. Starts a node in this JVM with the fuzz config (small limits, so stalled
 * inputs end quickly: {@link FuzzSession#nodeConfig}) and runs {@link FuzzSession} for {@code --minutes} (10 by
 * default) from {@code --seed} (printed; by default taken from the clock): every method on TCP and the Unix socket,
 * connection-level attacks, and every check of the short test ({@code ProtocolFuzzTest}) after it. Prints the full
 * report, then one RESULT line; exits 1 if any check failed.
 */
public final class FuzzBench {
  private FuzzBench() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = Args.parse(args);
    double minutes = Double.parseDouble(a.getOrDefault("minutes", "10"));
    long seed = Long.parseLong(a.getOrDefault("seed", String.valueOf(System.currentTimeMillis())));
    Path shm = Files.createTempDirectory("kvs-fuzz-shm");
    Node node = TestNodes.start(FuzzSession.nodeConfig(shm));
    FuzzSession.Result r;
    long start = System.nanoTime();
    try {
      r = FuzzSession.run(node, seed, Long.MAX_VALUE, (long) (minutes * 60_000));
    } finally {
      TestNodes.stop(node);
      Files.deleteIfExists(shm);
    }
    double wallSeconds = (System.nanoTime() - start) / 1e9;
    System.out.println(FuzzSession.describe(r));
    Map<String, Integer> statuses = new TreeMap<>();
    r.outcomes().forEach((label, n) -> {
      if (label.matches("[A-Z_]+")) { // gRPC status names; the other labels are resets, closes and no answer
        statuses.put(label, n);
      }
    });
    System.out.printf("RESULT fuzz seed=%d minutes=%.1f wall_s=%.0f inputs=%d calls=%d connection_inputs=%d "
            + "distinct_statuses=%d statuses=%s hangs=%d failures=%d problems=%d severe_or_stack_lines=%d "
            + "heap_baseline_mib=%d heap_max_mib=%d heap_after_mib=%d direct_baseline_mib=%d direct_after_mib=%d "
            + "passed=%s%n",
        seed, minutes, wallSeconds, r.inputs(), r.calls(), r.connectionInputs(), statuses.size(), statuses, r.hangs(),
        r.failures(), r.problems().size(), r.severeLines(), r.baselineHeap() >> 20, r.maxHeapUsed() >> 20,
        r.heapAfter() >> 20, r.baselineDirect() >> 20, r.directAfter() >> 20, r.passed());
    System.exit(r.passed() ? 0 : 1);
  }
}
