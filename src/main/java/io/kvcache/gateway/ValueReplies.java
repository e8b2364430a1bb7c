package io.kvcache.gateway;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import io.kvcache.gateway.grpc.ResponseEncoder;
import io.kvcache.proto.v1.GetItem;
import io.kvcache.proto.v1.GetReply;
import io.kvcache.proto.v1.ReadSliceReply;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

import java.util.List;

/**
 * The replies that carry values (Get, BatchGet, ReadSlice), framed with each value's buffer by reference: a value was
 * copied once, from its segment (or load buffer) into a pooled direct buffer, and that buffer goes to the socket as it
 * is. The wire format is the protobuf message's (protobuf accepts fields in any order, so the value field is written
 * after the others). Encoders take ownership of the value buffers: framed, or released on {@code discard}.
 */
final class ValueReplies {
  private ValueReplies() {}

  private static final int LENGTH_DELIMITED = 2;

  /** Get's answer: the reply's other fields and, on a hit, the value. */
  record GetResult(GetReply header, ByteBuf value) {}

  /** ReadSlice's answer: the reply's other fields and, on success, the bytes read. */
  record SliceResult(ReadSliceReply header, ByteBuf data) {}

  /** One BatchGet chunk: its items' other fields and their values (null where an item has none). */
  record Chunk(List<GetItem> items, List<ByteBuf> values) {}

  static final ResponseEncoder<GetResult> GET = new ResponseEncoder<>() {
    @Override
    public ByteBuf encode(ByteBufAllocator alloc, GetResult r) {
      return single(alloc, r.header(), GetReply.VALUE_FIELD_NUMBER, r.value());
    }

    @Override
    public void discard(GetResult r) {
      release(r.value());
    }
  };

  static final ResponseEncoder<SliceResult> SLICE = new ResponseEncoder<>() {
    @Override
    public ByteBuf encode(ByteBufAllocator alloc, SliceResult r) {
      return single(alloc, r.header(), ReadSliceReply.DATA_FIELD_NUMBER, r.data());
    }

    @Override
    public void discard(SliceResult r) {
      release(r.data());
    }
  };

  static final ResponseEncoder<Chunk> CHUNK = new ResponseEncoder<>() {
    @Override
    public ByteBuf encode(ByteBufAllocator alloc, Chunk chunk) {
      int items = chunk.items().size();
      int[] headerSizes = new int[items];
      int[] itemSizes = new int[items];
      long total = 0;
      for (int i = 0; i < items; i++) {
        headerSizes[i] = chunk.items().get(i).getSerializedSize();
        ByteBuf value = chunk.values().get(i);
        itemSizes[i] = headerSizes[i] + (value == null ? 0 : fieldSize(GetItem.VALUE_FIELD_NUMBER, value.readableBytes()));
        total += fieldSize(1, itemSizes[i]);
      }
      CompositeByteBuf out = alloc.compositeDirectBuffer(2 * items + 1);
      ByteBuf prefix = alloc.directBuffer(5).writeByte(0).writeInt((int) total);
      out.addComponent(true, prefix);
      for (int i = 0; i < items; i++) {
        ByteBuf value = chunk.values().get(i);
        ByteBuf head = alloc.directBuffer(10 + headerSizes[i] + 10);
        writeVarint(head, (1 << 3) | LENGTH_DELIMITED);
        writeVarint(head, itemSizes[i]);
        ResponseEncoder.writeTo(head, chunk.items().get(i), headerSizes[i]);
        if (value != null) {
          writeVarint(head, (GetItem.VALUE_FIELD_NUMBER << 3) | LENGTH_DELIMITED);
          writeVarint(head, value.readableBytes());
        }
        out.addComponent(true, head);
        if (value != null) {
          out.addComponent(true, value);
        }
      }
      return out;
    }

    @Override
    public void discard(Chunk chunk) {
      chunk.values().forEach(ValueReplies::release);
    }
  };

  /** {@code header} plus a bytes field {@code field} holding {@code value} (by reference), behind the gRPC prefix. */
  private static ByteBuf single(ByteBufAllocator alloc, MessageLite header, int field, ByteBuf value) {
    if (value == null) {
      return ResponseEncoder.frame(alloc, header);
    }
    int headerSize = header.getSerializedSize();
    long total = headerSize + fieldSize(field, value.readableBytes());
    ByteBuf head = alloc.directBuffer(5 + headerSize + 10);
    head.writeByte(0).writeInt((int) total);
    ResponseEncoder.writeTo(head, header, headerSize);
    writeVarint(head, (field << 3) | LENGTH_DELIMITED);
    writeVarint(head, value.readableBytes());
    CompositeByteBuf out = alloc.compositeDirectBuffer(2);
    out.addComponents(true, head, value);
    return out;
  }

  /** Bytes of a length-delimited field of {@code length} bytes: tag, length varint, payload. */
  private static int fieldSize(int field, int length) {
    return CodedOutputStream.computeUInt32SizeNoTag(field << 3) + CodedOutputStream.computeUInt32SizeNoTag(length)
        + length;
  }

  private static void writeVarint(ByteBuf out, int value) {
    while ((value & ~0x7F) != 0) {
      out.writeByte((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    out.writeByte(value);
  }

  private static void release(ByteBuf buffer) {
    if (buffer != null) {
      buffer.release();
    }
  }
}
