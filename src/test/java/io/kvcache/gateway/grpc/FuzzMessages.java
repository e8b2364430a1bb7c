package io.kvcache.gateway.grpc;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.WireFormat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Request messages in protobuf wire format, generated from a message type's descriptor (so new fields and types are
 * covered without touching this class): every field absent or present (repeated ones up to past the batch limit), with
 * random and edge values — empty and very long strings and keys, strings that are not valid UTF-8 (an unpaired
 * surrogate as a non-Java client would encode it), -1, 0, 2^63-1, Long.MIN_VALUE, sizes just past the limits, unknown
 * enum numbers and fields — and mutations of such bytes (bit flips, truncation, extension, a length-delimited field
 * declaring far more bytes than follow, unbalanced groups).
 *
 * <p>Not thread-safe: draws from one {@link SplittableRandom}.
 */
final class FuzzMessages {
  /** Sizes the generator aims just below and just past. */
  record Limits(long maxValueSize, int maxKeySize, int maxBatchSize) {}

  private static final List<String> KEYS = List.of("k0", "k1", "k2", "k3", "fuzz/a", "fuzz/b");
  private static final List<String> NAMESPACES = List.of("", "", "ns1", "ns2");
  private static final List<String> REGEXES = List.of(".*", "k[0-9]", "(a+)+$", "fuzz/.", "(?:.?){1000}x", "\\1",
      "(?=a)", "[", "(a{100}){100}", "");
  private static final List<String> SEGMENTS = List.of("node-a", "", "no-such-segment");
  private static final byte[] UNPAIRED_SURROGATE = {(byte) 0xED, (byte) 0xA0, (byte) 0x80}; // U+D800 as 3 bytes
  private static final long[] EDGE_LONGS = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, Integer.MAX_VALUE,
      Integer.MIN_VALUE, 1L << 31, 1L << 32, 4095, 4096, 64, 65};

  private final SplittableRandom random;
  private final Limits limits;

  FuzzMessages(SplittableRandom random, Limits limits) {
    this.random = random;
    this.limits = limits;
  }

  /** A message of {@code type} that parses (though its values may be refused by the method). */
  byte[] valid(Descriptor type) {
    return encode(out -> writeMessage(out, type, 0, false));
  }

  /** A message of {@code type} whose values may also be invalid UTF-8 and unknown fields of every wire type. */
  byte[] edgy(Descriptor type) {
    return encode(out -> writeMessage(out, type, 0, true));
  }

  /** Random bytes of a random length (mostly short). */
  byte[] randomBytes() {
    int n = random.nextInt(8) == 0 ? random.nextInt(1 << 16) : random.nextInt(64);
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  /** {@code in} changed in one of several ways; never the same array. */
  byte[] mutate(byte[] in) {
    byte[] b = in.clone();
    switch (random.nextInt(7)) {
      case 0 -> { // flip a few bits
        for (int i = random.nextInt(1, 9); i > 0 && b.length > 0; i--) {
          b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
        }
        return b;
      }
      case 1 -> {
        return Arrays.copyOf(b, b.length == 0 ? 0 : random.nextInt(b.length));
      }
      case 2 -> { // extend with garbage
        byte[] tail = new byte[random.nextInt(1, 33)];
        random.nextBytes(tail);
        return concat(b, tail);
      }
      case 3 -> { // a length-delimited field declaring far more bytes than follow
        return concat(b, encode(out -> {
          out.writeTag(random.nextInt(1, 20), WireFormat.WIRETYPE_LENGTH_DELIMITED);
          out.writeUInt32NoTag(random.nextBoolean() ? Integer.MAX_VALUE : random.nextInt(1 << 20, 1 << 30));
          out.writeRawBytes(new byte[random.nextInt(8)]);
        }));
      }
      case 4 -> { // an unterminated varint
        return concat(b, new byte[] {(byte) 0x08, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
      }
      case 5 -> { // an unbalanced group
        return concat(b, encode(out -> out.writeTag(random.nextInt(1, 20),
            random.nextBoolean() ? WireFormat.WIRETYPE_START_GROUP : WireFormat.WIRETYPE_END_GROUP)));
      }
      default -> { // repeat a slice
        if (b.length == 0) {
          return new byte[] {0};
        }
        int from = random.nextInt(b.length);
        int to = random.nextInt(from, b.length) + 1;
        return concat(b, Arrays.copyOfRange(b, from, to));
      }
    }
  }

  // ------------------------------------------------------------------------------------------------- generation

  private interface Body {
    void write(CodedOutputStream out) throws IOException;
  }

  private static byte[] encode(Body body) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    try {
      body.write(out);
      out.flush();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return bytes.toByteArray();
  }

  private void writeMessage(CodedOutputStream out, Descriptor type, int depth, boolean edgy) throws IOException {
    for (FieldDescriptor f : type.getFields()) {
      if (random.nextInt(4) == 0) {
        continue; // absent
      }
      int count = f.isRepeated() ? repeatCount(f) : 1;
      if (f.isRepeated() && f.isPackable() && random.nextBoolean()) {
        byte[] packed = encode(o -> {
          for (int i = 0; i < count; i++) {
            writeScalarNoTag(o, f);
          }
        });
        out.writeByteArray(f.getNumber(), packed);
        continue;
      }
      for (int i = 0; i < count; i++) {
        writeField(out, f, depth, edgy);
      }
    }
    if (edgy && random.nextInt(4) == 0) {
      writeUnknownField(out);
    }
  }

  private int repeatCount(FieldDescriptor f) {
    return switch (random.nextInt(10)) {
      case 0 -> 0;
      case 1 -> limits.maxBatchSize() + random.nextInt(1, 3); // just past max_batch_size
      case 2 -> limits.maxBatchSize();
      default -> random.nextInt(1, 5);
    };
  }

  private void writeField(CodedOutputStream out, FieldDescriptor f, int depth, boolean edgy) throws IOException {
    switch (f.getType()) {
      case MESSAGE, GROUP -> {
        byte[] nested = depth >= 3 ? new byte[0] : encode(o -> writeMessage(o, f.getMessageType(), depth + 1, edgy));
        out.writeByteArray(f.getNumber(), nested);
      }
      case STRING -> out.writeByteArray(f.getNumber(), string(f, edgy));
      case BYTES -> out.writeByteArray(f.getNumber(), bytesValue());
      default -> {
        out.writeTag(f.getNumber(), wireType(f));
        writeScalarNoTag(out, f);
      }
    }
  }

  private static int wireType(FieldDescriptor f) {
    return switch (f.getType()) {
      case FIXED64, SFIXED64, DOUBLE -> WireFormat.WIRETYPE_FIXED64;
      case FIXED32, SFIXED32, FLOAT -> WireFormat.WIRETYPE_FIXED32;
      default -> WireFormat.WIRETYPE_VARINT;
    };
  }

  private void writeScalarNoTag(CodedOutputStream out, FieldDescriptor f) throws IOException {
    long v = number();
    switch (f.getType()) {
      case FIXED64, SFIXED64 -> out.writeFixed64NoTag(v);
      case DOUBLE -> out.writeDoubleNoTag(random.nextBoolean() ? Double.NaN : random.nextDouble() * v);
      case FIXED32, SFIXED32 -> out.writeFixed32NoTag((int) v);
      case FLOAT -> out.writeFloatNoTag((float) v);
      case SINT32 -> out.writeSInt32NoTag((int) v);
      case SINT64 -> out.writeSInt64NoTag(v);
      case BOOL -> out.writeUInt64NoTag(random.nextInt(5) == 0 ? 2 : random.nextInt(2)); // 2: a non-canonical true
      case ENUM -> out.writeInt32NoTag(random.nextInt(4) == 0 ? (int) v
          : f.getEnumType().getValues().get(random.nextInt(f.getEnumType().getValues().size())).getNumber());
      case INT32, UINT32 -> out.writeInt32NoTag((int) v);
      default -> out.writeUInt64NoTag(v); // INT64, UINT64: the same varint
    }
  }

  private long number() {
    return switch (random.nextInt(4)) {
      case 0 -> EDGE_LONGS[random.nextInt(EDGE_LONGS.length)];
      case 1 -> limits.maxValueSize() + random.nextInt(-1, 2);
      default -> random.nextInt(0, 4096);
    };
  }

  private byte[] string(FieldDescriptor f, boolean edgy) {
    String name = f.getName();
    int pick = random.nextInt(edgy ? 12 : 9);
    if (pick < 4) { // a name the method knows about, so calls meet each other's objects
      List<String> pool = name.contains("namespace") ? NAMESPACES : name.contains("regex") ? REGEXES
          : name.contains("segment") ? SEGMENTS : KEYS;
      return utf8(pool.get(random.nextInt(pool.size())));
    }
    return switch (pick) {
      case 4 -> new byte[0];
      case 5 -> utf8("ключ-☃-😀-" + random.nextInt(100));
      case 6 -> utf8("k".repeat(limits.maxKeySize() + random.nextInt(-1, 2))); // at and just past max_key_size
      case 7 -> utf8("x".repeat(random.nextInt(1, 100_000))); // very long
      case 8 -> utf8("a\uD800b"); // what Java's encoder makes of an unpaired surrogate ('?')
      case 9 -> concat(utf8("k"), UNPAIRED_SURROGATE); // what other encoders send: not valid UTF-8
      case 10 -> utf8("/dev/shm/../../etc/passwd");
      default -> randomBytes();
    };
  }

  private byte[] bytesValue() {
    int n = switch (random.nextInt(6)) {
      case 0 -> 0;
      case 1 -> (int) Math.min(limits.maxValueSize() + random.nextInt(-1, 2), 1 << 24);
      case 2 -> random.nextInt(1, 1 << 14);
      default -> random.nextInt(1, 256);
    };
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private void writeUnknownField(CodedOutputStream out) throws IOException {
    int number = random.nextInt(100, 1 << 20);
    switch (random.nextInt(4)) {
      case 0 -> out.writeUInt64(number, random.nextLong());
      case 1 -> out.writeFixed32(number, random.nextInt());
      case 2 -> out.writeFixed64(number, random.nextLong());
      default -> out.writeByteArray(number, randomBytes());
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
