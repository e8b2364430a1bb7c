package io.kvcache.gateway.grpc;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import io.kvcache.proto.health.HealthOuterClass;
import io.kvcache.proto.v1.Kvstore;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.vertx.grpc.reflection.v1.ServerReflectionProto;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;

/**
 * Generates hostile gRPC calls, one stream each, for any method of the served services (taken from their descriptors,
 * so a new method is fuzzed without a change here): headers with wrong content types, methods, paths and encodings;
 * bodies of valid, edge-valued, mutated or random messages behind right, wrong, missing, oversized or flagged 5-byte
 * prefixes, gzip and gzip garbage, split across many DATA frames or merged into one, ended early, never ended, or reset
 * at a random point. Each input says what the server owes it ({@link Expect}) and, where the input leaves no doubt, the
 * exact status. Every input is a pure function of its seed, so a failure is reproduced from the seed it prints.
 *
 * <p>Thread-safe: immutable; each input draws from its own {@link SplittableRandom}.
 */
final class ProtocolFuzzer {
  /** Methods whose valid call stays open until the client cancels (Health/Watch: see {@link HealthMethods}). */
  static final Set<String> OPEN_ENDED = Set.of("/grpc.health.v1.Health/Watch");

  /** A served method, as a fuzz target. */
  record Target(String path, Descriptor request, Descriptor response, boolean clientStreaming,
                boolean serverStreaming) {}

  /**
   * What the server owes an input: ANSWER — a terminal outcome within the deadline (the client ended the stream, or it
   * stalls inside a message, or its headers are refused); MAY_STAY_OPEN — nothing (the client never ended the stream
   * and left it at a message boundary, or the method is open-ended), though whatever comes must be allowed;
   * CLIENT_RESET — nothing (the client reset the stream).
   */
  enum Expect { ANSWER, MAY_STAY_OPEN, CLIENT_RESET }

  /** What a client does on a stream after its headers. */
  sealed interface Step permits Frames, Reset, Trailers {}

  /** DATA frames, one per piece, in one flush; the last ends the stream if {@code end}. */
  record Frames(List<byte[]> pieces, boolean end) implements Step {}

  record Reset() implements Step {}

  /** Request trailers: a HEADERS frame ending the stream. */
  record Trailers() implements Step {}

  /** One hostile call. {@code expectedStatus} is the exact gRPC status where the input leaves no doubt, else null. */
  record StreamInput(long seed, Target target, String kind, Http2Headers headers, boolean endOnHeaders,
                     List<Step> steps, Expect expect, Integer expectedStatus) {
    String describe() {
      return kind + " " + target.path() + " (input seed " + seed + ", headers " + headers.method() + " "
          + headers.path() + " " + headers.get("content-type") + " " + headers.get("grpc-encoding") + ")";
    }
  }

  static final int OK = 0;
  static final int INVALID_ARGUMENT = 3;
  static final int DEADLINE_EXCEEDED = 4;
  static final int RESOURCE_EXHAUSTED = 8;
  static final int UNIMPLEMENTED = 12;
  static final int INTERNAL = 13;

  private final FuzzMessages.Limits limits;
  private final long maxMessageSize;
  private final byte[] gzipBomb;
  private final Set<String> paths = new java.util.HashSet<>();

  ProtocolFuzzer(FuzzMessages.Limits limits, long maxMessageSize) {
    targets().forEach(t -> paths.add(t.path()));
    this.limits = limits;
    this.maxMessageSize = maxMessageSize;
    this.gzipBomb = gzip(new byte[(int) Math.min(Integer.MAX_VALUE - 8, maxMessageSize + 1)]);
  }

  /** Every method of the KvStore service, the health service and server reflection, from their descriptors. */
  static List<Target> targets() {
    List<Target> out = new ArrayList<>();
    for (ServiceDescriptor s : List.of(Kvstore.getDescriptor().findServiceByName("KvStore"),
        HealthOuterClass.getDescriptor().findServiceByName("Health"),
        ServerReflectionProto.getDescriptor().findServiceByName("ServerReflection"))) {
      for (MethodDescriptor m : s.getMethods()) {
        out.add(new Target("/" + s.getFullName() + "/" + m.getName(), m.getInputType(), m.getOutputType(),
            m.isClientStreaming(), m.isServerStreaming()));
      }
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------------------ inputs

  StreamInput streamInput(long seed, Target target) {
    SplittableRandom r = new SplittableRandom(seed);
    FuzzMessages messages = new FuzzMessages(r, limits);
    HeaderChoice h = headers(r, target);
    Body body = body(r, messages, target, h.gzip);
    boolean endOnHeaders = body.steps.isEmpty() && body.ends;
    List<Step> steps = new ArrayList<>(body.steps);
    String kind = h.kind == null ? body.kind : h.kind + "+" + body.kind;
    boolean reset = false;
    if (!endOnHeaders && r.nextInt(8) == 0) { // reset at a random point
      kind += "+reset";
      reset = true;
      steps.add(r.nextInt(steps.size() + 1), new Reset());
    }
    Expect expect;
    Integer expected;
    if (reset) {
      expect = Expect.CLIENT_RESET;
      expected = null;
    } else if (h.refusal != null) {
      expect = Expect.ANSWER;
      expected = h.refusal;
    } else if (OPEN_ENDED.contains(target.path())) {
      expect = Expect.MAY_STAY_OPEN;
      expected = null;
    } else {
      expect = body.ends || body.stalls ? Expect.ANSWER : Expect.MAY_STAY_OPEN;
      expected = body.expected;
    }
    return new StreamInput(seed, target, kind, h.headers, endOnHeaders, List.copyOf(steps), expect, expected);
  }

  private record HeaderChoice(Http2Headers headers, String kind, Integer refusal, boolean gzip) {}

  /** The request headers: right ones mostly; else one thing wrong (and the status its refusal must have). */
  private HeaderChoice headers(SplittableRandom r, Target target) {
    String method = "POST";
    String path = target.path();
    String type = r.nextInt(10) == 0 ? "application/grpc+proto" : "application/grpc";
    String encoding = null;
    String kind = null;
    List<String[]> extra = new ArrayList<>();
    if (r.nextInt(5) == 0) { // compressed calls
      encoding = r.nextInt(4) == 0 ? "identity" : "gzip";
    }
    if (r.nextInt(6) == 0) {
      switch (r.nextInt(6)) {
        case 0 -> {
          method = pick(r, "GET", "PUT", "post", "DELETE");
          kind = "method";
        }
        case 1 -> {
          type = pick(r, null, "application/json", "application/grpc+json", "text/plain", "application/grpcx",
              "application/grpc; charset=utf-8", "");
          kind = "content-type";
        }
        case 2 -> {
          path = pick(r, target.path() + "X", "/kvstore.v1.KvStore/", "/", "/no.Such/Put", target.path() + "/extra",
              target.path().substring(1), target.path() + "?q=1", "/" + "p".repeat(r.nextInt(100, 8000)));
          kind = "path";
        }
        case 3 -> {
          encoding = pick(r, "snappy", "deflate", "", "gzip, identity");
          kind = "encoding";
        }
        case 4 -> {
          kind = "extra-headers";
          extra.add(new String[] {"grpc-timeout", pick(r, "1n", "garbage", "99999999H")});
          extra.add(new String[] {"x-big", "v".repeat(r.nextInt(1, 8000))});
          extra.add(new String[] {"user-agent", "fuzz"});
        }
        default -> {
          kind = "no-path";
          path = null;
        }
      }
    }
    Http2Headers headers = new DefaultHttp2Headers().method(method).scheme("http").authority("127.0.0.1");
    if (path != null) {
      headers.path(path);
    }
    if (type != null) {
      headers.set("content-type", type);
    }
    headers.set("te", "trailers");
    if (encoding != null) {
      headers.set("grpc-encoding", encoding);
    }
    extra.forEach(kv -> headers.set(kv[0], kv[1]));
    // The server checks in this order: method, content type, encoding, path; the first failing check answers.
    Integer refusal = null;
    if (!"POST".equals(method)) {
      refusal = INVALID_ARGUMENT;
    } else if (type == null || !(type.equals("application/grpc") || type.equals("application/grpc+proto"))) {
      refusal = UNIMPLEMENTED;
    } else if (encoding != null && !encoding.equals("gzip") && !encoding.equals("identity")) {
      refusal = UNIMPLEMENTED;
    } else if (path == null || !paths.contains(path)) {
      refusal = UNIMPLEMENTED;
    }
    return new HeaderChoice(headers, kind, refusal, "gzip".equals(encoding));
  }

  private record Body(String kind, List<Step> steps, boolean ends, boolean stalls, Integer expected) {}

  /**
   * The request body. {@code stalls}: the stream is left inside a message (the server must time it out);
   * {@code expected}: the status the body alone must get, where it leaves no doubt.
   */
  private Body body(SplittableRandom r, FuzzMessages m, Target t, boolean gzip) {
    boolean unary = !t.clientStreaming();
    int kind = r.nextInt(20);
    switch (kind) {
      case 0 -> { // no message at all
        boolean withEmptyData = r.nextBoolean();
        return new Body("empty", withEmptyData ? List.of(new Frames(List.of(new byte[0]), true)) : List.of(), true,
            false, unary ? INVALID_ARGUMENT : null);
      }
      case 1 -> { // cut inside a message, then ended
        byte[] all = framed(r, m, t, 1 + r.nextInt(2), false);
        byte[] cut = java.util.Arrays.copyOf(all, r.nextInt(1, all.length));
        return ended("truncated", r, cut, endsInsideMessage(cut) ? INVALID_ARGUMENT : null);
      }
      case 2 -> { // a prefix declaring bytes that never come
        long declared = r.nextLong(1, maxMessageSize + 1);
        byte[] head = FuzzMessages.concat(RawH2Client.prefix(false, declared), new byte[r.nextInt(0, 100)]);
        head = java.util.Arrays.copyOf(head, (int) Math.min(head.length, 5 + declared - 1));
        if (r.nextBoolean()) {
          return ended("prefix-only-ended", r, head, INVALID_ARGUMENT);
        }
        return new Body("prefix-only-stalled", List.of(new Frames(split(r, head), false)), false, true,
            DEADLINE_EXCEEDED);
      }
      case 3 -> { // a declared length past the limit
        long declared = r.nextBoolean() ? 0xFFFF_FFFFL : maxMessageSize + r.nextLong(1, 1 << 20);
        byte[] head = FuzzMessages.concat(RawH2Client.prefix(r.nextInt(4) == 0 && gzip, declared), m.randomBytes());
        boolean end = r.nextBoolean();
        return new Body("oversized-prefix", List.of(new Frames(split(r, head), end)), end, !end, RESOURCE_EXHAUSTED);
      }
      case 4 -> { // flags other than 0 and 1
        byte[] msg = RawH2Client.frame(false, m.valid(t.request()));
        msg[0] = (byte) r.nextInt(2, 256);
        return ended("bad-flags", r, msg, INTERNAL);
      }
      case 5 -> { // the compressed flag: without gzip a status of its own, with gzip the bytes must inflate
        byte[] msg = m.valid(t.request());
        if (!gzip) {
          return ended("compressed-no-encoding", r, RawH2Client.frame(true, msg), INTERNAL);
        }
        return switch (r.nextInt(3)) {
          case 0 -> ended("gzip", r, RawH2Client.frame(true, gzip(msg)), null);
          case 1 -> ended("gzip-garbage", r, RawH2Client.frame(true, m.mutate(gzip(msg))), null);
          default -> ended("gzip-bomb", r, RawH2Client.frame(true, gzipBomb), RESOURCE_EXHAUSTED);
        };
      }
      case 6 -> { // random bytes, unframed
        byte[] b = m.randomBytes();
        return ended("random-data", r, b, null);
      }
      case 7 -> { // random bytes as a message
        return ended("random-message", r, RawH2Client.frame(false, m.randomBytes()), null);
      }
      case 8 -> { // a message with no prefix
        return ended("no-prefix", r, m.valid(t.request()), null);
      }
      case 9 -> { // a prefix declaring fewer or more bytes than follow
        byte[] msg = m.valid(t.request());
        byte[] framed = FuzzMessages.concat(RawH2Client.prefix(false, Math.max(0, msg.length + r.nextInt(-8, 9))), msg);
        return ended("wrong-length", r, framed, null);
      }
      case 10 -> { // several messages for a unary call (one frame or many)
        int n = unary ? r.nextInt(2, 5) : r.nextInt(0, 5);
        byte[] all = framed(r, m, t, n, false);
        return ended("several-messages", r, all, unary && fits(all) ? INVALID_ARGUMENT : null);
      }
      case 11 -> { // valid messages, never ended: the call may wait for the end forever (the client cancels it)
        byte[] all = framed(r, m, t, unary ? 1 : r.nextInt(0, 4), false);
        return new Body("never-ended", List.of(new Frames(split(r, all), false)), false, false, null);
      }
      case 12 -> { // cut inside a message and never ended: the message timeout ends it
        byte[] all = framed(r, m, t, 1, false);
        byte[] cut = java.util.Arrays.copyOf(all, r.nextInt(1, all.length));
        return new Body("stalled", List.of(new Frames(split(r, cut), false)), false, true,
            fits(all) ? DEADLINE_EXCEEDED : null);
      }
      case 13 -> { // ended by request trailers
        byte[] all = framed(r, m, t, unary ? 1 : r.nextInt(0, 4), false);
        return new Body("trailers", List.of(new Frames(split(r, all), false), new Trailers()), true, false, null);
      }
      case 14, 15 -> { // mutated messages
        int n = unary ? 1 : r.nextInt(1, 4);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
          all.writeBytes(RawH2Client.frame(false, m.mutate(m.valid(t.request()))));
        }
        return ended("mutated", r, all.toByteArray(), null);
      }
      case 16, 17 -> { // edge values, possibly invalid UTF-8 and unknown fields
        return ended("edge-values", r, framed(r, m, t, unary ? 1 : r.nextInt(1, 4), true), null);
      }
      default -> { // valid messages (split or merged arbitrarily)
        return ended("valid", r, framed(r, m, t, unary ? 1 : r.nextInt(0, 5), false), null);
      }
    }
  }

  private Body ended(String kind, SplittableRandom r, byte[] bytes, Integer expected) {
    return new Body(kind, List.of(new Frames(split(r, bytes), true)), true, false, expected);
  }

  /** {@code n} framed messages of the target's request type, in one array. */
  private byte[] framed(SplittableRandom r, FuzzMessages m, Target t, int n, boolean edgy) {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (int i = 0; i < n; i++) {
      all.writeBytes(RawH2Client.frame(false, edgy ? m.edgy(t.request()) : m.valid(t.request())));
    }
    return all.toByteArray();
  }

  /** True if every prefix in {@code bytes} is valid (flag 0, length within the limit). */
  private boolean fits(byte[] bytes) {
    int pos = 0;
    while (pos + 5 <= bytes.length) {
      long size = RawH2Client.declaredLength(bytes, pos);
      if (bytes[pos] != 0 || size > maxMessageSize) {
        return false;
      }
      pos += 5 + (int) size;
    }
    return true;
  }

  /** True if {@code bytes} (valid prefixes) end inside a message: the server must fail a stream that ends there. */
  private boolean endsInsideMessage(byte[] bytes) {
    if (!fits(bytes)) {
      return false;
    }
    int pos = 0;
    while (pos < bytes.length) {
      if (pos + 5 > bytes.length) {
        return true;
      }
      long size = RawH2Client.declaredLength(bytes, pos);
      pos += 5 + (int) size;
    }
    return pos > bytes.length;
  }

  /**
   * {@code bytes} as DATA frames: mostly one, else cut at up to 11 random points (an empty frame now and then, never two
   * in a row: the server takes more than two consecutive empty frames as an attack on the connection).
   */
  private static List<byte[]> split(SplittableRandom r, byte[] bytes) {
    if (r.nextInt(3) != 0 || bytes.length < 2) {
      return List.of(bytes);
    }
    int cuts = r.nextInt(1, 12);
    int[] at = r.ints(cuts, 0, bytes.length + 1).sorted().toArray();
    List<byte[]> pieces = new ArrayList<>();
    int from = 0;
    boolean lastEmpty = false;
    for (int c : at) {
      byte[] piece = java.util.Arrays.copyOfRange(bytes, from, c);
      if (piece.length > 0 || !lastEmpty) {
        pieces.add(piece);
        lastEmpty = piece.length == 0;
      }
      from = c;
    }
    pieces.add(java.util.Arrays.copyOfRange(bytes, from, bytes.length));
    return pieces;
  }

  static byte[] gzip(byte[] bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out.toByteArray();
  }

  @SafeVarargs
  static <T> T pick(SplittableRandom r, T... choices) {
    return choices[r.nextInt(choices.length)];
  }
}
