package io.kvcache.gateway.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Parser;
import com.google.protobuf.UnsafeByteOperations;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.GZIPInputStream;

/**
 * Request messages from received bytes: parsed straight off the transport's buffers with {@code bytes} fields aliasing
 * them (a value is then copied once, into its segment), or, for a gzip-compressed message, inflated first with the
 * output capped at the message limit (a small compressed message cannot inflate into a large allocation).
 *
 * <p>Stateless and thread-safe.
 */
final class GrpcCodec {
  private GrpcCodec() {}

  /** The message in {@code bytes}; its bytes fields alias them, so they must not change until the frame is released. */
  static <T> T parse(Parser<T> parser, ByteBuf bytes) throws InvalidProtocolBufferException {
    ByteString whole;
    if (bytes.nioBufferCount() == 1) {
      whole = UnsafeByteOperations.unsafeWrap(bytes.nioBuffer());
    } else {
      whole = ByteString.EMPTY;
      for (ByteBuffer part : bytes.nioBuffers()) {
        whole = whole.concat(UnsafeByteOperations.unsafeWrap(part));
      }
    }
    CodedInputStream in = whole.newCodedInput();
    in.enableAliasing(true);
    return parser.parseFrom(in);
  }

  /** The message in gzip-compressed {@code bytes}, inflated to at most {@code maxSize} bytes. */
  static <T> T parseGzip(Parser<T> parser, ByteBuf bytes, long maxSize)
      throws InvalidProtocolBufferException, TooLargeException {
    ByteArrayOutputStream inflated = new ByteArrayOutputStream();
    byte[] chunk = new byte[16 << 10];
    try (GZIPInputStream in = new GZIPInputStream(new ByteBufInputStream(bytes.duplicate()))) {
      for (int n; (n = in.read(chunk)) > 0; ) {
        if (inflated.size() > maxSize - n) {
          throw new TooLargeException("a compressed message inflates beyond the limit of " + maxSize + " bytes");
        }
        inflated.write(chunk, 0, n);
      }
    } catch (IOException e) {
      throw new InvalidProtocolBufferException("not valid gzip: " + e.getMessage());
    }
    return parser.parseFrom(inflated.toByteArray());
  }

  /** A message larger than the limit. */
  static final class TooLargeException extends Exception {
    TooLargeException(String message) {
      super(message, null, false, false);
    }
  }
}
