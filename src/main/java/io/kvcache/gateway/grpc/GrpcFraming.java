package io.kvcache.gateway.grpc;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import com.google.protobuf.UnsafeByteOperations;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.util.function.Consumer;

/**
 * gRPC's length-prefixed message framing (a compressed-flag byte, a 4-byte big-endian length, the message), done so a
 * value is copied as few times as possible: a message's array is allocated once at its exact size when its prefix
 * arrives and filled chunk by chunk, then parsed with {@code bytes} fields aliasing it; a reply is serialised straight
 * behind its prefix in one array.
 */
final class GrpcFraming {
  private GrpcFraming() {}

  static final int PREFIX = 5;

  /** {@code message} with its prefix, in one array (one copy of its bytes fields). */
  static Buffer frame(MessageLite message) {
    int size = message.getSerializedSize();
    byte[] out = new byte[PREFIX + size];
    out[1] = (byte) (size >>> 24);
    out[2] = (byte) (size >>> 16);
    out[3] = (byte) (size >>> 8);
    out[4] = (byte) size;
    try {
      CodedOutputStream cos = CodedOutputStream.newInstance(out, PREFIX, size);
      message.writeTo(cos);
      cos.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new IllegalStateException("serialising " + message.getClass().getSimpleName(), e);
    }
    return Buffer.buffer(out);
  }

  /** Parses a message whose array nothing else will write to, letting its bytes fields alias that array. */
  static <T> T parse(Parser<T> parser, byte[] message) throws InvalidProtocolBufferException {
    return parse(parser, message, 0, message.length);
  }

  /** As {@link #parse(Parser, byte[])}, for the message at {@code offset} of {@code length} bytes in {@code array}. */
  static <T> T parse(Parser<T> parser, byte[] array, int offset, int length) throws InvalidProtocolBufferException {
    CodedInputStream in = UnsafeByteOperations.unsafeWrap(array, offset, length).newCodedInput();
    in.enableAliasing(true);
    return parser.parseFrom(in);
  }

  /** Turns the chunks of a request body into whole messages; not thread-safe (one per call). */
  static final class Deframer {
    private final long maxMessageSize;
    private final Consumer<byte[]> onMessage;
    private final byte[] prefix = new byte[PREFIX];
    private int prefixFilled;
    private byte[] message;
    private int messageFilled;
    private String error;

    Deframer(long maxMessageSize, Consumer<byte[]> onMessage) {
      this.maxMessageSize = maxMessageSize;
      this.onMessage = onMessage;
    }

    /** Why the stream is broken (then nothing more is delivered), or null. */
    String error() {
      return error;
    }

    /** True between messages (a stream may only end there). */
    boolean atBoundary() {
      return prefixFilled == 0 && message == null;
    }

    void feed(Buffer chunk) {
      int at = 0;
      int length = chunk.length();
      while (at < length && error == null) {
        if (message == null) {
          int take = Math.min(PREFIX - prefixFilled, length - at);
          chunk.getBytes(at, at + take, prefix, prefixFilled);
          prefixFilled += take;
          at += take;
          if (prefixFilled == PREFIX) {
            startMessage();
          }
        } else {
          int take = Math.min(message.length - messageFilled, length - at);
          chunk.getBytes(at, at + take, message, messageFilled);
          messageFilled += take;
          at += take;
          if (messageFilled == message.length) {
            deliver();
          }
        }
      }
    }

    private void startMessage() {
      if (prefix[0] != 0) {
        error = "compressed messages are not supported (send grpc-encoding identity)";
        return;
      }
      long size = ((prefix[1] & 0xFFL) << 24) | ((prefix[2] & 0xFF) << 16) | ((prefix[3] & 0xFF) << 8) | (prefix[4] & 0xFF);
      if (size > maxMessageSize) {
        error = "message of " + size + " bytes exceeds the limit of " + maxMessageSize;
        return;
      }
      prefixFilled = 0;
      message = new byte[(int) size];
      messageFilled = 0;
      if (size == 0) {
        deliver();
      }
    }

    private void deliver() {
      byte[] done = message;
      message = null;
      onMessage.accept(done);
    }
  }
}
