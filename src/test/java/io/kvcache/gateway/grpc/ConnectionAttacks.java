package io.kvcache.gateway.grpc;

import io.kvcache.proto.health.HealthCheckResponse;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link ConnectionFuzzer} inputs, each on a connection of its own, and checks what the server owes each: the
 * connection closed where that is the answer, else still serving a health check, and never a call that ran on headers
 * past the limit.
 *
 * <p>Thread-safe: holds no state of its own but the (thread-safe) stats; each run uses its own connection.
 */
final class ConnectionAttacks {
  private static final String CHECK = "/grpc.health.v1.Health/Check";
  private static final String PUT = "/kvstore.v1.KvStore/Put";
  private static final String GRPC = "application/grpc";

  private final FuzzRun.Endpoints endpoints;
  private final long timeoutMs;
  private final int maxHeaderListSize;
  private final int maxConcurrentStreams;
  private final FuzzStats stats;

  ConnectionAttacks(FuzzRun.Endpoints endpoints, long timeoutMs, int maxHeaderListSize, int maxConcurrentStreams,
                    FuzzStats stats) {
    this.endpoints = endpoints;
    this.timeoutMs = timeoutMs;
    this.maxHeaderListSize = maxHeaderListSize;
    this.maxConcurrentStreams = maxConcurrentStreams;
    this.stats = stats;
  }

  /** Runs one input on a fresh connection to TCP or the Unix socket and records a failure if the answer is wrong. */
  void run(ConnectionFuzzer.ConnectionInput in, boolean unix) {
    stats.connectionInput(in.kind().name());
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    String failure;
    try {
      failure = switch (in.kind()) {
        case PREFACE_GARBAGE -> garbage(in.bytes(), unix, deadline);
        case FRAMES, HUGE_HEADERS, TOO_MANY_STREAMS, RESET_FLOOD, EMPTY_DATA_FLOOD, STARVED_REPLY -> {
          try (RawH2Client c = endpoints.connect(unix)) {
            String before = serving(c, deadline);
            yield !before.equals("serving") ? "not serving before the input: " + before : attack(c, in, deadline);
          }
        }
      };
    } catch (Exception e) {
      failure = "threw " + e;
    }
    if (failure != null) {
      String what = failure + ": " + in.describe() + " on " + (unix ? "unix" : "tcp");
      if (failure.startsWith("HANG ")) {
        stats.hang(what.substring(5));
      } else {
        stats.failure(what);
      }
    }
  }

  private String attack(RawH2Client c, ConnectionFuzzer.ConnectionInput in, long deadline) throws Exception {
    switch (in.kind()) {
      case FRAMES -> {
        for (ConnectionFuzzer.RawFrame f : in.frames()) {
          int id = f.streamId() == -1 ? c.reserveStreamId() : f.streamId();
          c.raw(RawH2Client.h2Frame(f.type(), f.flags(), id, f.payload()));
        }
        return closedOrServing(c, deadline, After.EITHER);
      }
      case HUGE_HEADERS -> {
        return hugeHeaders(c, in.size(), deadline);
      }
      case TOO_MANY_STREAMS -> {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
          ids.add(c.start(PUT, GRPC, false)); // between messages: open until the connection ends
        }
        int allowed = maxConcurrentStreams;
        for (int i = allowed; i < ids.size(); i++) {
          RawH2Client.Outcome o = c.outcomeBy(ids.get(i), deadline);
          if (o == null) {
            return "HANG stream " + (i + 1) + " of " + ids.size() + " was not refused";
          }
          if (!o.reset() || o.resetCode() != FuzzVerdicts.REFUSED_STREAM) {
            return "stream " + (i + 1) + " past the limit ended with " + FuzzVerdicts.label(o) + ", not REFUSED_STREAM";
          }
          stats.outcome("connection: stream refused (REFUSED_STREAM)");
        }
        for (int i = 0; i < allowed; i++) {
          if (c.outcomeNow(ids.get(i)) != null) {
            return "stream " + (i + 1) + " within the limit ended: " + FuzzVerdicts.label(c.outcomeNow(ids.get(i)));
          }
        }
        for (int i = 0; i < allowed; i++) {
          c.reset(ids.get(i)); // room for the check: the connection must serve again
        }
        return closedOrServing(c, deadline, After.SERVING);
      }
      case RESET_FLOOD -> {
        for (int i = 0; i < in.size() && c.isOpen(); i++) {
          c.reset(c.start(PUT, GRPC, false));
        }
        return closedOrServing(c, deadline, After.CLOSED);
      }
      case EMPTY_DATA_FLOOD -> {
        int id = c.start(PUT, GRPC, false);
        c.frames(id, java.util.Collections.nCopies(in.size(), new byte[0]), false);
        return closedOrServing(c, deadline, After.CLOSED);
      }
      case STARVED_REPLY -> {
        return starvedReply(c, in.size(), deadline);
      }
      default -> throw new IllegalArgumentException(in.kind().name());
    }
  }

  /**
   * Headers of {@code size} bytes (as HTTP/2 counts them: name, value and 32 per field) on a health check: just past the
   * limit the call gets HTTP 431 and a reset and the connection keeps serving; far past it (more than 1.25 times) the
   * connection is closed. The call never runs.
   */
  private String hugeHeaders(RawH2Client c, int size, long deadline) throws Exception {
    Http2Headers h = new DefaultHttp2Headers().method("POST").scheme("http").authority("127.0.0.1").path(CHECK)
        .set("content-type", GRPC).set("te", "trailers");
    long counted = 0;
    for (var e : h) {
      counted += e.getKey().length() + e.getValue().length() + 32;
    }
    for (int i = 0; counted < size; i++) {
      String name = "x-huge-" + i;
      int value = (int) Math.min(4000, size - counted - name.length() - 32);
      h.set(name, "v".repeat(Math.max(1, value)));
      counted += name.length() + Math.max(1, value) + 32;
    }
    int id = c.start(h, false);
    c.data(id, RawH2Client.frame(false, new byte[0]), true);
    RawH2Client.Outcome o = c.outcomeBy(id, deadline);
    if (o == null) {
      return "HANG no answer to " + counted + " bytes of headers";
    }
    if (o.grpcStatus() >= 0) {
      return "a call with " + counted + " bytes of headers got " + FuzzStats.statusName(o.grpcStatus());
    }
    stats.outcome("connection: huge headers, " + FuzzVerdicts.label(o));
    boolean farPast = counted > maxHeaderListSize + (maxHeaderListSize >>> 2);
    if (!farPast && !"431".equals(o.httpStatus())) {
      return counted + " bytes of headers answered " + FuzzVerdicts.label(o) + ", not HTTP 431";
    }
    return closedOrServing(c, deadline, farPast ? After.CLOSED : After.SERVING);
  }

  /**
   * Shrinks this client's stream window to {@code window} bytes behind its codec's back (a raw SETTINGS frame, so it
   * never sends a WINDOW_UPDATE), then asks for a health check: answered if its 7-byte reply fits, else reset by the
   * server once the reply stopped draining for the message timeout. Never left hanging.
   */
  private String starvedReply(RawH2Client c, int window, long deadline) throws InterruptedException {
    c.raw(RawH2Client.h2Frame(4, 0, 0, ConnectionFuzzer.setting(4, window)));
    int id = c.start(CHECK, GRPC, false);
    c.data(id, RawH2Client.frame(false, new byte[0]), true);
    RawH2Client.Outcome o = c.outcomeBy(id, deadline);
    if (o == null) {
      return "HANG a health check to a client with a " + window + "-byte window neither answered nor reset";
    }
    stats.outcome("connection: starved reply, " + FuzzVerdicts.label(o));
    boolean fits = window >= 7;
    if (fits ? o.grpcStatus() != 0 : !(o.reset() && o.resetCode() == Http2Error.CANCEL.code())) {
      return "a health check to a client with a " + window + "-byte window ended with " + FuzzVerdicts.label(o);
    }
    return null;
  }

  /** "serving" if a health check on {@code c} answers SERVING by the deadline, else what happened instead. */
  private static String serving(RawH2Client c, long deadline) throws InterruptedException {
    int id;
    try {
      id = c.start(CHECK, GRPC, false);
      c.data(id, RawH2Client.frame(false, new byte[0]), true);
    } catch (IllegalStateException e) {
      return "could not start a call: " + e.getMessage();
    }
    RawH2Client.Outcome o = c.outcomeBy(id, deadline);
    if (o == null) {
      return "no answer";
    }
    if (o.grpcStatus() == 0 && o.body().length > 5) {
      try {
        HealthCheckResponse r = HealthCheckResponse.parseFrom(java.util.Arrays.copyOfRange(o.body(), 5, o.body().length));
        if (r.getStatus() == HealthCheckResponse.ServingStatus.SERVING) {
          return "serving";
        }
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        return "a health reply that does not parse";
      }
    }
    return FuzzVerdicts.label(o);
  }

  /** What the connection must do after an input: be closed, keep serving, or either. */
  private enum After { CLOSED, SERVING, EITHER }

  /** Null if the connection did what {@code want} says by the deadline, else what it did. */
  private String closedOrServing(RawH2Client c, long deadline, After want) throws InterruptedException {
    String now = c.isOpen() ? serving(c, deadline) : "closed";
    if (now.equals("serving")) {
      if (want == After.CLOSED) {
        return "the connection still serves";
      }
      stats.outcome("connection: still serving after the input");
      return null;
    }
    if (want == After.SERVING) {
      return "the connection no longer serves: " + now;
    }
    if (c.awaitClosed(deadline)) {
      long code = c.goAwayNow();
      stats.outcome("connection: closed" + (code >= 0 ? " (GOAWAY " + code + ")" : " (no GOAWAY)"));
      return null;
    }
    return "HANG neither closed nor serving: " + now;
  }

  /** Bytes that are not HTTP/2 instead of the preface: the server must close the connection. */
  private String garbage(byte[] bytes, boolean unix, long deadline) throws IOException {
    SocketAddress address = unix ? UnixDomainSocketAddress.of(endpoints.unixPath())
        : new InetSocketAddress(endpoints.host(), endpoints.port());
    try (SocketChannel ch = SocketChannel.open(unix ? StandardProtocolFamily.UNIX : StandardProtocolFamily.INET);
         Selector selector = Selector.open()) {
      ch.connect(address);
      try {
        ByteBuffer out = ByteBuffer.wrap(bytes);
        while (out.hasRemaining()) {
          ch.write(out);
        }
      } catch (IOException closedWhileWriting) {
        stats.outcome("connection: closed on garbage");
        return null;
      }
      ch.configureBlocking(false);
      ch.register(selector, SelectionKey.OP_READ);
      ByteBuffer in = ByteBuffer.allocate(8192);
      while (System.nanoTime() < deadline) {
        selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        selector.selectedKeys().clear();
        try {
          in.clear();
          if (ch.read(in) < 0) {
            stats.outcome("connection: closed on garbage");
            return null;
          }
        } catch (IOException reset) {
          stats.outcome("connection: closed on garbage");
          return null;
        }
      }
      return "HANG the connection stayed open after " + bytes.length + " bytes of garbage";
    }
  }
}
