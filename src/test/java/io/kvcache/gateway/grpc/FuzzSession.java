package io.kvcache.gateway.grpc;

import io.kvcache.app.Node;
import io.kvcache.testing.TestNodes;
import io.netty.util.ResourceLeakDetector;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One fuzz session against a node, with the checks before and after that the short test and the long benchmark share:
 * a round trip on every listener first (and the heap baseline after it), the run with the log captured, then every held
 * resource back to 0 once the timeouts passed, a byte-exact Put/Get and health SERVING on every listener, nothing left
 * allocated once every object is removed, the heap near its baseline, no SEVERE line and no stack trace in the log.
 *
 * <p>Not thread-safe: one session at a time per node.
 */
public final class FuzzSession {
  private FuzzSession() {}

  /**
   * A single node with small limits, so stalled inputs end quickly and every hold times out soon: 64 KiB values, 16 keys
   * a batch, 32 streams a connection, a 500 ms message timeout, 1 s leases, abandoned puts released after 1.5 s, 1 s of
   * regex budget, and a shared-memory directory of its own.
   */
  public static JsonObject nodeConfig(Path shmDir) {
    return TestNodes.singleNode("64MiB").put("max_value_size", "64KiB").put("max_batch_size", 16)
        .put("grpc_max_concurrent_streams", 32).put("grpc_message_timeout_ms", 500).put("lease_ttl_ms", 1000)
        .put("put_start_discard_timeout_ms", 500).put("put_start_release_timeout_ms", 1500)
        .put("regex_removal_budget_ms", 1000).put("shm_dir", shmDir.toString());
  }

  /** What a session found. Empty lists and zero counts mean the node held up. */
  public record Result(long seed, String report, long inputs, long calls, long connectionInputs, long hangs,
                       long failures, Map<String, Integer> outcomes,
                       List<String> problems, long severeLines, List<String> severe, long baselineHeap, long heapAfter,
                       long maxHeapUsed, long baselineDirect, long directAfter, List<String> uncovered) {
    public boolean passed() {
      return hangs == 0 && failures == 0 && problems.isEmpty() && severeLines == 0 && uncovered.isEmpty();
    }
  }

  /** Heap growth over the baseline the session tolerates (approximate: a JVM's heap figures are). */
  public static final long HEAP_SLACK = 64L << 20;
  /** Growth of direct memory (Netty's pools on both sides included) over the baseline the session tolerates. */
  public static final long DIRECT_SLACK = 128L << 20;

  /**
   * Fuzzes {@code node} until {@code maxInputs} inputs or {@code durationMs} and checks it after. Netty's leak detector
   * runs at PARANOID meanwhile (every buffer tracked): a buffer the node drops without releasing is logged at SEVERE
   * once collected, which the log check counts.
   */
  public static Result run(Node node, long seed, long maxInputs, long durationMs) throws Exception {
    ResourceLeakDetector.Level leakLevel = ResourceLeakDetector.getLevel();
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    try {
      return checkedRun(node, seed, maxInputs, durationMs);
    } finally {
      ResourceLeakDetector.setLevel(leakLevel);
    }
  }

  private static Result checkedRun(Node node, long seed, long maxInputs, long durationMs) throws Exception {
    TransportLimits limits = node.options().gateway().transport();
    String unixPath = unixPath(node);
    FuzzRun.Endpoints endpoints = new FuzzRun.Endpoints(TestNodes.HOST, node.grpcPort(), unixPath);
    List<Boolean> listeners = unixPath == null ? List.of(false) : List.of(false, true);
    List<String> problems = new ArrayList<>();
    for (boolean unix : listeners) { // the node serves before the run (and the heap baseline includes a call's state)
      try (RawH2Client c = endpoints.connect(unix)) {
        String why = FuzzNodeChecks.roundTrip(c, "fuzz-before-" + unix, 48 << 10, seed);
        if (why != null) {
          problems.add("before the run: " + why);
        }
      }
    }
    long baseline = FuzzNodeChecks.usedHeapAfterGc();
    long baselineDirect = FuzzNodeChecks.directMemory();
    FuzzStats stats = new FuzzStats();
    long answerTimeoutMs = Math.max(15_000, 4 * limits.messageTimeoutMs());
    List<ProtocolFuzzer.Target> targets;
    try (FuzzNodeChecks.LogCapture logs = FuzzNodeChecks.LogCapture.install()) {
      ConnectionAttacks attacks = new ConnectionAttacks(endpoints, answerTimeoutMs, limits.maxHeaderListSize(),
          limits.maxConcurrentStreams(), stats);
      FuzzPlan plan = plan(node, seed);
      targets = plan.targets();
      try (FuzzRun run = new FuzzRun(endpoints, plan, attacks, seed, stats, answerTimeoutMs)) {
        run.run(maxInputs, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(durationMs));
      }
      afterRun(node, endpoints, listeners, seed, problems);
      long heapAfter = FuzzNodeChecks.usedHeapAfterGc();
      if (heapAfter > baseline + HEAP_SLACK) {
        problems.add("heap after the run " + (heapAfter >> 20) + " MiB, baseline " + (baseline >> 20) + " MiB");
      }
      long directAfter = FuzzNodeChecks.directMemory();
      if (directAfter > baselineDirect + DIRECT_SLACK) {
        problems.add("direct memory after the run " + (directAfter >> 20) + " MiB, baseline " + (baselineDirect >> 20)
            + " MiB");
      }
      return new Result(seed, stats.report(), stats.inputs(), stats.streamInputs(), stats.connectionInputs(),
          stats.hangs(), stats.failureCount(), stats.outcomes(),
          problems, logs.count(), logs.lines(), baseline, heapAfter, stats.maxHeapUsed(), baselineDirect, directAfter,
          stats.uncovered(targets, unixPath != null));
    }
  }

  /** The inputs a run with {@code seed} sends to {@code node} (its limits shape them), batch by batch. */
  static FuzzPlan plan(Node node, long seed) {
    var gateway = node.options().gateway();
    TransportLimits limits = gateway.transport();
    FuzzMessages.Limits sizes = new FuzzMessages.Limits(gateway.maxValueSize(), gateway.maxKeySize(),
        gateway.maxBatchSize());
    return new FuzzPlan(new ProtocolFuzzer(sizes, limits.maxMessageSize()),
        new ConnectionFuzzer(limits.maxConcurrentStreams(), limits.maxHeaderListSize()), seed, unixPath(node) != null);
  }

  /** The node's Unix socket if it serves one (it needs the native transport), else null. */
  static String unixPath(Node node) {
    return node.vertx().isNativeTransportEnabled() && node.options().gateway().unixSocket() != null
        ? node.options().gateway().unixSocket().toString() : null;
  }

  /** The checks once the inputs stopped. */
  private static void afterRun(Node node, FuzzRun.Endpoints endpoints, List<Boolean> listeners, long seed,
                               List<String> problems) throws Exception {
    var options = node.options();
    long holdsEnd = options.gateway().transport().messageTimeoutMs() + options.master().shard().leaseTtlMs()
        + options.master().shard().releaseTimeoutMs() + 20_000;
    String held = FuzzNodeChecks.awaitReleased(node.meters(), holdsEnd);
    if (held != null) {
      problems.add("held resources above 0 after " + holdsEnd + " ms: " + held);
    }
    FuzzNodeChecks.usedHeapAfterGc(); // buffers dropped unreleased are collected: the next allocations report them
    for (boolean unix : listeners) {
      try (RawH2Client c = endpoints.connect(unix)) {
        String why = FuzzNodeChecks.roundTrip(c, "fuzz-after-" + unix, 48 << 10, seed + 1);
        if (why != null) {
          problems.add("after the run on " + (unix ? "unix" : "tcp") + ": " + why);
        }
      }
    }
    try (RawH2Client c = endpoints.connect(false)) {
      if (FuzzNodeChecks.removeEverything(c) < 0) {
        problems.add("RemoveAll(all_namespaces, force) failed");
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline && (FuzzNodeChecks.gauge(node.meters(), "kvstore_alloc_used_bytes") != 0
        || FuzzNodeChecks.gauge(node.meters(), "kvstore_replica_objects") != 0)) {
      Thread.sleep(50);
    }
    double used = FuzzNodeChecks.gauge(node.meters(), "kvstore_alloc_used_bytes");
    double objects = FuzzNodeChecks.gauge(node.meters(), "kvstore_replica_objects");
    if (used != 0 || objects != 0) {
      problems.add("after removing every object: " + (long) objects + " objects, " + (long) used + " bytes allocated");
    }
  }

  /** The session as text: the stats, then what the checks found. */
  public static String describe(Result r) {
    StringBuilder b = new StringBuilder("run seed: ").append(r.seed()).append("\n").append(r.report());
    b.append("heap: baseline ").append(r.baselineHeap() >> 20).append(" MiB, after the run (after GC) ")
        .append(r.heapAfter() >> 20).append(" MiB\n");
    b.append("direct memory (JVM and Netty): baseline ").append(r.baselineDirect() >> 20).append(" MiB, after the run ")
        .append(r.directAfter() >> 20).append(" MiB\n");
    b.append("methods without an input on a listener: ").append(r.uncovered()).append("\n");
    b.append("problems after the run: ").append(r.problems().isEmpty() ? "none" : r.problems()).append("\n");
    b.append("SEVERE lines or stack traces logged: ").append(r.severeLines()).append("\n");
    r.severe().forEach(l -> b.append("  ").append(l).append("\n"));
    return b.toString();
  }
}
