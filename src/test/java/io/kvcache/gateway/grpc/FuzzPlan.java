package io.kvcache.gateway.grpc;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The inputs of a fuzz run, batch by batch, as a pure function of the run's seed: which call-level inputs go on which
 * connection of which listener, and which connection-level inputs run alongside. {@link FuzzRun} executes the batches;
 * {@link FuzzReplayTest} regenerates them to send one connection's inputs again, alone.
 *
 * <p>Each batch opens a few connections per listener and sends a handful of calls on each (so the server's protections
 * against reset floods never see a batch as one); one connection in four reads slowly (a small stream window). Calls go round-robin over the methods and alternate between the
 * listeners in blocks of one round, so every method is fuzzed on both. A connection carries at most two empty DATA
 * frames that do not end their stream: the server closes a connection after more than two in a row (a protection
 * {@link ConnectionFuzzer.Kind#EMPTY_DATA_FLOOD} checks on a connection of its own), and with several streams sharing a
 * connection "in a row" is decided by flow control, not by the order they were queued in.
 *
 * <p>Not thread-safe: draws from one {@link SplittableRandom}.
 */
final class FuzzPlan {
  static final int CONNECTIONS_PER_LISTENER = 4;
  static final int CALLS_PER_CONNECTION = 6;
  static final int ATTACKS_PER_BATCH = 3;
  private static final int EMPTY_FRAMES_PER_CONNECTION = 2;

  /**
   * The calls of one connection, in the order they are sent, and the flow-control window its streams give the server
   * (a small one makes a slow reader: replies then wait for the client's window updates).
   */
  record Connection(boolean unix, int window, List<ProtocolFuzzer.StreamInput> calls) {
    String describe() {
      StringBuilder b = new StringBuilder(unix ? "unix" : "tcp").append(" connection (stream window ").append(window)
          .append(") of ").append(calls.size()).append(" calls:");
      calls.forEach(c -> b.append("\n      ").append(c.describe()));
      return b.toString();
    }
  }

  /** A connection-level input and the listener it runs on. */
  record Attack(ConnectionFuzzer.ConnectionInput input, boolean unix) {}

  record Batch(long number, List<Connection> connections, List<Attack> attacks) {}

  private final ProtocolFuzzer calls;
  private final ConnectionFuzzer connections;
  private final List<ProtocolFuzzer.Target> targets = ProtocolFuzzer.targets();
  private final SplittableRandom seeds;
  private final boolean withUnix;
  private long batches;
  private long callInputs;
  private long attackInputs;

  FuzzPlan(ProtocolFuzzer calls, ConnectionFuzzer connections, long seed, boolean withUnix) {
    this.calls = calls;
    this.connections = connections;
    this.seeds = new SplittableRandom(seed);
    this.withUnix = withUnix;
  }

  List<ProtocolFuzzer.Target> targets() {
    return targets;
  }

  Batch next() {
    int listeners = withUnix ? 2 : 1;
    List<Connection> out = new ArrayList<>();
    Connection[] current = new Connection[2]; // the listener's connection being filled: [tcp, unix]
    int[] empties = new int[2];
    for (int n = 0; n < CONNECTIONS_PER_LISTENER * listeners * CALLS_PER_CONNECTION; n++) {
      long s = callInputs++;
      ProtocolFuzzer.Target target = targets.get((int) (s % targets.size()));
      boolean unix = withUnix && (s / targets.size()) % 2 == 1;
      int l = unix ? 1 : 0;
      ProtocolFuzzer.StreamInput in = calls.streamInput(seeds.nextLong(), target);
      if (current[l] == null || current[l].calls().size() == CALLS_PER_CONNECTION) {
        current[l] = new Connection(unix, window(), new ArrayList<>());
        empties[l] = 0;
        out.add(current[l]);
      }
      current[l].calls().add(withoutExtraEmptyFrames(in, empties, l));
    }
    List<Attack> attacks = new ArrayList<>();
    for (int n = 0; n < ATTACKS_PER_BATCH; n++) {
      attacks.add(new Attack(connections.input(seeds.nextLong()), withUnix && attackInputs++ % 2 == 1));
    }
    return new Batch(batches++, out.stream().map(c -> new Connection(c.unix(), c.window(), List.copyOf(c.calls())))
        .toList(), List.copyOf(attacks));
  }

  /** Mostly a wide window; one connection in four a slow reader, with a window of 1-64 KiB. */
  private int window() {
    return seeds.nextInt(4) == 0 ? seeds.nextInt(1 << 10, 1 << 16) : RawH2Client.DEFAULT_WINDOW;
  }

  /** {@code in} without the empty, not stream-ending DATA frames past the connection's allowance. */
  private static ProtocolFuzzer.StreamInput withoutExtraEmptyFrames(ProtocolFuzzer.StreamInput in, int[] empties, int l) {
    List<ProtocolFuzzer.Step> steps = new ArrayList<>();
    boolean changed = false;
    for (ProtocolFuzzer.Step step : in.steps()) {
      if (!(step instanceof ProtocolFuzzer.Frames f)) {
        steps.add(step);
        continue;
      }
      List<byte[]> pieces = new ArrayList<>();
      for (int i = 0; i < f.pieces().size(); i++) {
        boolean ends = f.end() && i == f.pieces().size() - 1;
        if (f.pieces().get(i).length == 0 && !ends && empties[l]++ >= EMPTY_FRAMES_PER_CONNECTION) {
          changed = true;
          continue;
        }
        pieces.add(f.pieces().get(i));
      }
      steps.add(new ProtocolFuzzer.Frames(List.copyOf(pieces), f.end()));
    }
    return changed ? new ProtocolFuzzer.StreamInput(in.seed(), in.target(), in.kind(), in.headers(), in.endOnHeaders(),
        List.copyOf(steps), in.expect(), in.expectedStatus()) : in;
  }
}
