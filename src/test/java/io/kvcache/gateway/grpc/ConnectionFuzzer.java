package io.kvcache.gateway.grpc;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generates inputs that attack a whole connection rather than one call, each run on a connection of its own: bytes
 * that are not HTTP/2 at all instead of the preface; frames the protocol forbids (bad SETTINGS, a zero or overflowing
 * WINDOW_UPDATE, DATA on stream 0, HEADERS on a server stream id, CONTINUATION out of place, RST_STREAM on an idle
 * stream, an oversized frame, HPACK garbage) and frames it allows but a codec rarely sees (PING, PRIORITY, unknown
 * types); header lists past the advertised limit; more streams than SETTINGS_MAX_CONCURRENT_STREAMS; floods of resets
 * and of empty DATA frames; a client that shrinks its own window so replies cannot reach it. What the server owes each
 * is in {@link Kind}.
 *
 * <p>Thread-safe: immutable; each input draws from its own {@link SplittableRandom}.
 */
final class ConnectionFuzzer {
  /**
   * PREFACE_GARBAGE: the server closes the connection. FRAMES: the connection is closed, or it still serves.
   * HUGE_HEADERS: the call gets HTTP 431 and a reset (HTTP/2's answer to headers over the advertised limit; gRPC clients
   * check that limit before sending), or the connection is closed (far over it); never a call that runs.
   * TOO_MANY_STREAMS: the streams past the limit are refused (REFUSED_STREAM). RESET_FLOOD, EMPTY_DATA_FLOOD: the
   * server closes the connection (the codec's protections against rapid resets and empty frames). STARVED_REPLY: the
   * client's SETTINGS shrink its stream window to {@code size} bytes (valid HTTP/2), then it never reads: a health
   * check whose reply fits is answered, one whose reply does not is reset once it stopped draining for the message
   * timeout; either way it ends, and its queued reply is released.
   */
  enum Kind { PREFACE_GARBAGE, FRAMES, HUGE_HEADERS, TOO_MANY_STREAMS, RESET_FLOOD, EMPTY_DATA_FLOOD, STARVED_REPLY }

  /**
   * One connection-level input: {@code bytes} is what PREFACE_GARBAGE sends, {@code frames} the raw frames of FRAMES
   * (a stream id of -1 in them stands for one this client reserved), {@code size} the header bytes of HUGE_HEADERS or
   * the stream count of the floods.
   */
  record ConnectionInput(long seed, Kind kind, byte[] bytes, List<RawFrame> frames, int size) {
    String describe() {
      StringBuilder b = new StringBuilder(kind.name()).append(" (input seed ").append(seed).append(")");
      frames.forEach(f -> b.append(' ').append(f.what()));
      if (size > 0) {
        b.append(" size ").append(size);
      }
      return b.toString();
    }
  }

  /** One raw frame; {@code streamId} -1 means a fresh id reserved on the client when sent. */
  record RawFrame(String what, int type, int flags, int streamId, byte[] payload) {}

  private final int maxConcurrentStreams;
  private final int maxHeaderListSize;

  ConnectionFuzzer(int maxConcurrentStreams, int maxHeaderListSize) {
    this.maxConcurrentStreams = maxConcurrentStreams;
    this.maxHeaderListSize = maxHeaderListSize;
  }

  ConnectionInput input(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int pick = r.nextInt(20);
    if (pick < 3) {
      byte[] garbage = switch (r.nextInt(3)) {
        case 0 -> "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        case 1 -> "PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n".getBytes(StandardCharsets.US_ASCII); // a preface gone wrong
        default -> {
          byte[] b = new byte[r.nextInt(1, 4096)];
          r.nextBytes(b);
          if (b[0] == 'P') {
            b[0] = 'Q'; // a prefix of the preface would only wait for the rest (until the idle timeout)
          }
          yield b;
        }
      };
      return new ConnectionInput(seed, Kind.PREFACE_GARBAGE, garbage, List.of(), 0);
    }
    if (pick < 5) {
      // Just past the limit (a 431 and a reset) or far past it (the connection goes).
      int size = r.nextBoolean() ? maxHeaderListSize + r.nextInt(100, maxHeaderListSize / 8)
          : maxHeaderListSize * 2 + r.nextInt(1, 100_000);
      return new ConnectionInput(seed, Kind.HUGE_HEADERS, new byte[0], List.of(), size);
    }
    if (pick == 5) {
      return new ConnectionInput(seed, Kind.TOO_MANY_STREAMS, new byte[0], List.of(),
          maxConcurrentStreams + r.nextInt(1, 8));
    }
    if (pick == 6) {
      return new ConnectionInput(seed, Kind.RESET_FLOOD, new byte[0], List.of(), 260);
    }
    if (pick == 7) {
      return new ConnectionInput(seed, Kind.EMPTY_DATA_FLOOD, new byte[0], List.of(), r.nextInt(3, 50));
    }
    if (pick == 8) { // a health reply is 7 bytes: windows below it starve it
      return new ConnectionInput(seed, Kind.STARVED_REPLY, new byte[0], List.of(), r.nextInt(0, 12));
    }
    List<RawFrame> frames = new ArrayList<>();
    for (int i = r.nextInt(1, 4); i > 0; i--) {
      frames.add(frame(r));
    }
    return new ConnectionInput(seed, Kind.FRAMES, new byte[0], List.copyOf(frames), 0);
  }

  private static RawFrame frame(SplittableRandom r) {
    return switch (r.nextInt(16)) {
      case 0 -> new RawFrame("settings-odd-length", 4, 0, 0, new byte[r.nextInt(1, 6)]);
      case 1 -> { // ENABLE_PUSH is 0 or 1, INITIAL_WINDOW_SIZE at most 2^31-1, MAX_FRAME_SIZE 2^14..2^24-1
        int id = ProtocolFuzzer.pick(r, 2, 4, 5);
        int value = id == 4 ? ProtocolFuzzer.pick(r, 0x8000_0000, 0xFFFF_FFFF)
            : ProtocolFuzzer.pick(r, 2, 0x8000_0000, 100, 0xFFFF_FFFF);
        yield new RawFrame("settings-bad-value", 4, 0, 0, setting(id, value));
      }
      case 2 -> new RawFrame("settings-ack-with-payload", 4, 1, 0, setting(3, 10));
      case 3 -> new RawFrame("ping", 6, 0, 0, new byte[8]);
      case 4 -> new RawFrame("ping-bad-length", 6, 0, 0, new byte[r.nextInt(0, 8)]);
      case 5 -> new RawFrame("window-update-zero", 8, 0, r.nextBoolean() ? 0 : -1, ByteBuffer.allocate(4).putInt(0).array());
      case 6 -> new RawFrame("window-update-overflow", 8, 0, 0, ByteBuffer.allocate(4).putInt(0x7FFF_FFFF).array());
      case 7 -> new RawFrame("data-on-stream-0", 0, r.nextInt(2), 0, new byte[r.nextInt(0, 64)]);
      case 8 -> new RawFrame("headers-on-even-stream", 1, 4 | 1, 2, new byte[] {(byte) 0x83}); // :method POST
      case 9 -> new RawFrame("continuation-alone", 9, 4, -1, new byte[] {(byte) 0x82});
      case 10 -> new RawFrame("rst-idle-stream", 3, 0, -1, ByteBuffer.allocate(4).putInt(8).array());
      case 11 -> new RawFrame("priority-self", 2, 0, -1, ByteBuffer.allocate(5).putInt(0).put((byte) 16).array());
      case 12 -> new RawFrame("unknown-type", r.nextInt(10, 256), r.nextInt(256), r.nextInt(0, 100),
          new byte[r.nextInt(0, 200)]);
      case 13 -> new RawFrame("oversized-frame", 0, 0, -1, new byte[(1 << 20) + r.nextInt(1, 1000)]);
      case 14 -> {
        byte[] hpack = new byte[r.nextInt(1, 200)];
        r.nextBytes(hpack);
        yield new RawFrame("hpack-garbage", 1, 4, -1, hpack);
      }
      default -> {
        byte[] payload = new byte[r.nextInt(0, 100)];
        r.nextBytes(payload);
        yield new RawFrame("random", r.nextInt(0, 10), r.nextInt(256), r.nextInt(0, 1 << 16), payload);
      }
    };
  }

  static byte[] setting(int id, int value) {
    return ByteBuffer.allocate(6).putShort((short) id).putInt(value).array();
  }
}
