package io.kvcache.gateway.grpc;

import com.google.protobuf.MessageLite;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * How a method's responses become gRPC messages on the wire (the 5-byte prefix included). Protobuf messages are
 * serialised once into a pooled direct buffer; responses that carry values (Get, BatchGet, ReadSlice) have encoders of
 * their own that frame the value buffers by reference, so a value is never copied into a message.
 *
 * <p>An encoder takes ownership of any buffer inside the response: {@link #encode} passes it on in the frame, and
 * {@link #discard} releases it when the response is dropped (the call ended first).
 */
public interface ResponseEncoder<R> {
  ByteBuf encode(ByteBufAllocator alloc, R response);

  default void discard(R response) {}

  /** Plain protobuf. */
  static <R extends MessageLite> ResponseEncoder<R> protobuf() {
    return ResponseEncoder::frame;
  }

  /** {@code message} behind its gRPC prefix, serialised straight into one pooled direct buffer. */
  static ByteBuf frame(ByteBufAllocator alloc, MessageLite message) {
    int size = message.getSerializedSize();
    ByteBuf out = alloc.directBuffer(MessageDeframer.PREFIX + size);
    out.writeByte(0).writeInt(size);
    writeTo(out, message, size);
    return out;
  }

  /** Serialises {@code message} ({@code size} bytes) at {@code out}'s writer index. */
  static void writeTo(ByteBuf out, MessageLite message, int size) {
    ByteBuffer view = out.nioBuffer(out.writerIndex(), size);
    try {
      com.google.protobuf.CodedOutputStream cos = com.google.protobuf.CodedOutputStream.newInstance(view);
      message.writeTo(cos);
      cos.flush();
      cos.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new IllegalStateException("serialising " + message.getClass().getSimpleName(), e);
    }
    out.writerIndex(out.writerIndex() + size);
  }
}
