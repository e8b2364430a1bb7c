package io.kvcache.gateway.grpc;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a fuzz run tried and saw: inputs per method and listener, per kind, outcomes by label (gRPC status names, resets,
 * closed connections), hangs (an owed answer that did not come in time), failures (the first ones in full), and the
 * largest heap use sampled.
 *
 * <p>Thread-safe: every method is synchronized (connection-level inputs run on their own threads).
 */
final class FuzzStats {
  private static final String[] STATUS_NAMES = {"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
      "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
      "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};
  private static final int KEPT_FAILURES = 20;

  private final Map<String, int[]> perTarget = new TreeMap<>(); // path -> {tcp, unix}
  private final Map<String, Integer> perKind = new TreeMap<>();
  private final Map<String, Integer> outcomes = new TreeMap<>();
  private final List<String> failures = new ArrayList<>();
  private long streamInputs;
  private long connectionInputs;
  private long failureCount;
  private long hangs;
  private long maxHeapUsed;

  static String statusName(int code) {
    return code >= 0 && code < STATUS_NAMES.length ? STATUS_NAMES[code] : "status " + code;
  }

  synchronized void streamInput(String path, boolean unix, String kind) {
    streamInputs++;
    perTarget.computeIfAbsent(path, p -> new int[2])[unix ? 1 : 0]++;
    perKind.merge(kind.replaceAll("\\+reset$", "") + (kind.endsWith("+reset") ? " (reset)" : ""), 1, Integer::sum);
  }

  synchronized void connectionInput(String kind) {
    connectionInputs++;
    perKind.merge("connection " + kind, 1, Integer::sum);
  }

  synchronized void outcome(String label) {
    outcomes.merge(label, 1, Integer::sum);
  }

  synchronized void hang(String what) {
    hangs++;
    failure("HANG " + what);
  }

  synchronized void failure(String what) {
    failureCount++;
    if (failures.size() < KEPT_FAILURES) {
      failures.add(what);
    }
  }

  synchronized void heapSample(long usedBytes) {
    maxHeapUsed = Math.max(maxHeapUsed, usedBytes);
  }

  synchronized long inputs() {
    return streamInputs + connectionInputs;
  }

  synchronized long streamInputs() {
    return streamInputs;
  }

  synchronized long connectionInputs() {
    return connectionInputs;
  }

  synchronized long failureCount() {
    return failureCount;
  }

  synchronized long hangs() {
    return hangs;
  }

  synchronized long maxHeapUsed() {
    return maxHeapUsed;
  }

  synchronized List<String> failures() {
    return List.copyOf(failures);
  }

  synchronized Map<String, Integer> outcomes() {
    return new TreeMap<>(outcomes);
  }

  /** Methods (paths) that got no input on TCP or on the Unix socket. */
  synchronized List<String> uncovered(List<ProtocolFuzzer.Target> targets, boolean withUnix) {
    List<String> out = new ArrayList<>();
    for (ProtocolFuzzer.Target t : targets) {
      int[] n = perTarget.getOrDefault(t.path(), new int[2]);
      if (n[0] == 0 || (withUnix && n[1] == 0)) {
        out.add(t.path());
      }
    }
    return out;
  }

  synchronized String report() {
    StringBuilder b = new StringBuilder();
    b.append("inputs tried: ").append(streamInputs + connectionInputs).append(" (").append(streamInputs)
        .append(" calls, ").append(connectionInputs).append(" connection-level)\n");
    b.append("per method (tcp / unix):\n");
    perTarget.forEach((path, n) -> b.append(String.format("  %-48s %6d / %6d%n", path, n[0], n[1])));
    b.append("per input kind:\n");
    perKind.forEach((kind, n) -> b.append(String.format("  %-48s %6d%n", kind, n)));
    b.append("outcomes seen:\n");
    outcomes.forEach((label, n) -> b.append(String.format("  %-48s %6d%n", label, n)));
    b.append("hangs: ").append(hangs).append("\n");
    b.append("failures: ").append(failureCount).append("\n");
    failures.forEach(f -> b.append("  ").append(f).append("\n"));
    b.append("max heap used (sampled after each batch): ").append(maxHeapUsed >> 20).append(" MiB\n");
    return b.toString();
  }
}
