package io.kvcache.gateway.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.netty.buffer.ByteBuf;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.grpc.common.CodecException;
import io.vertx.grpc.common.GrpcMessage;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.WireFormat;

/**
 * A Vert.x gRPC decoder that parses protobuf straight off the payload and lets {@code bytes} fields alias it: a value is
 * then copied once, into its segment, instead of three times (payload to {@code byte[]}, {@code byte[]} to ByteString,
 * ByteString to segment). Safe because the payload is a fresh heap buffer per message that nothing writes to afterwards
 * (Vert.x copies each HTTP/2 frame out of Netty's pooled buffers and the gRPC deframer never reuses a completed message's
 * bytes). JSON payloads (gRPC transcoding) use the standard decoder.
 */
final class AliasingDecoders {
  private AliasingDecoders() {}

  @SuppressWarnings("unchecked")
  static <T extends Message> GrpcMessageDecoder<T> aliasing(T prototype) {
    GrpcMessageDecoder<T> standard = GrpcMessageDecoder.decoder(prototype);
    return new GrpcMessageDecoder<>() {
      @Override
      public T decode(GrpcMessage msg) throws CodecException {
        ByteBuf payload = msg.format() == WireFormat.PROTOBUF && msg.payload() instanceof BufferInternal internal
            ? internal.getByteBuf() : null;
        if (payload == null || !payload.hasArray()) {
          return standard.decode(msg);
        }
        try {
          return (T) GrpcFraming.parse(prototype.getParserForType(), payload.array(),
              payload.arrayOffset() + payload.readerIndex(), payload.readableBytes());
        } catch (InvalidProtocolBufferException e) {
          throw new CodecException(e);
        }
      }

      @Override
      public boolean accepts(WireFormat format) {
        return standard.accepts(format);
      }
    };
  }
}
