package io.kvcache.api;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.kvcache.proto.v1.BatchPutChunk;
import io.kvcache.proto.v1.BatchPutReply;
import io.kvcache.proto.v1.KvStoreGrpcService;
import io.kvcache.proto.v1.PutReply;
import io.kvcache.proto.v1.PutRequest;
import io.kvcache.proto.v1.WriteSliceReply;
import io.kvcache.proto.v1.WriteSliceRequest;
import io.netty.buffer.ByteBuf;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.grpc.common.CodecException;
import io.vertx.grpc.common.GrpcMessage;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.WireFormat;

/**
 * The value-carrying methods with a decoder that parses protobuf straight off the gRPC payload and lets {@code bytes}
 * fields alias it: a value is then copied once, into its segment, instead of three times (payload to {@code byte[]},
 * {@code byte[]} to ByteString, ByteString to segment). Safe because the payload is a fresh heap buffer per message that
 * nothing writes to afterwards (Vert.x copies each HTTP/2 frame out of Netty's pooled buffers and the gRPC deframer
 * never reuses a completed message's bytes). JSON payloads (gRPC transcoding) use the standard decoder.
 */
final class AliasingDecoders {
  private AliasingDecoders() {}

  static final ServiceMethod<PutRequest, PutReply> PUT = ServiceMethod.server(KvStoreGrpcService.SERVICE_NAME, "Put",
      GrpcMessageEncoder.encoder(), aliasing(PutRequest.getDefaultInstance()));
  static final ServiceMethod<BatchPutChunk, BatchPutReply> BATCH_PUT = ServiceMethod.server(
      KvStoreGrpcService.SERVICE_NAME, "BatchPut", GrpcMessageEncoder.encoder(),
      aliasing(BatchPutChunk.getDefaultInstance()));
  static final ServiceMethod<WriteSliceRequest, WriteSliceReply> WRITE_SLICE = ServiceMethod.server(
      KvStoreGrpcService.SERVICE_NAME, "WriteSlice", GrpcMessageEncoder.encoder(),
      aliasing(WriteSliceRequest.getDefaultInstance()));

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
