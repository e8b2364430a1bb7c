package io.kvcache.ha;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The wire form of an {@link OpRecord}: {@code type (1 byte) | body | CRC32C (4 bytes, over type and body)}; numbers are
 * unsigned varints, strings and byte arrays length-prefixed. Decoding trusts nothing: every length is checked against
 * what is left and against a cap before anything is allocated, so a corrupt or hostile record is refused (and the
 * follower counts it) instead of throwing or allocating what it declares.
 *
 * <p>Stateless and thread-safe.
 */
public final class OpRecordCodec {
  private OpRecordCodec() {}

  static final int OBJECT_PUT = 1, OBJECT_ERASED = 2, SEGMENT_MOUNTED = 3, SEGMENT_UNMOUNTED = 4, NODE_SESSION = 5,
      NODE_GONE = 6, DISK_REGISTERED = 7;
  private static final int MAX_BYTES = 1 << 20;   // longest key or string a record may declare
  private static final int MAX_REPLICAS = 4096;   // most replicas one object record may declare

  /** A decoded record, or why there is none. */
  public record Decoded(OpRecord record, Failure failure) {
    public boolean isOk() {
      return record != null;
    }
  }

  /** CORRUPT: checksum mismatch or malformed body. UNKNOWN: intact, but of a type this version does not know. */
  public enum Failure { CORRUPT, UNKNOWN }

  public static byte[] encode(OpRecord record) {
    Writer w = new Writer();
    switch (record) {
      case OpRecord.ObjectPut p -> {
        w.u8(OBJECT_PUT).bytes(p.key()).varint(p.size()).u8(p.hardPinned() ? 1 : 0).varint(p.softPinRemainingMs())
            .string(p.groupId() == null ? "" : p.groupId()).varint(p.memory().size());
        for (OpRecord.MemoryAt m : p.memory()) {
          w.string(m.segment()).varint(m.offset());
        }
        w.varint(p.diskNodes().size());
        p.diskNodes().forEach(w::string);
      }
      case OpRecord.ObjectErased e -> w.u8(OBJECT_ERASED).bytes(e.key());
      case OpRecord.SegmentMounted m -> w.u8(SEGMENT_MOUNTED).string(m.name()).string(m.nodeId()).string(m.endpoint())
          .varint(m.capacity()).u8(m.fresh() ? 1 : 0);
      case OpRecord.SegmentUnmounted u -> w.u8(SEGMENT_UNMOUNTED).string(u.name());
      case OpRecord.NodeSession s -> w.u8(NODE_SESSION).string(s.nodeId()).string(s.token());
      case OpRecord.NodeGone g -> w.u8(NODE_GONE).string(g.nodeId());
      case OpRecord.DiskRegistered d -> w.u8(DISK_REGISTERED).string(d.nodeId()).string(d.endpoint());
    }
    return w.sealed();
  }

  public static Decoded decode(byte[] in) {
    if (in == null || in.length < 5) {
      return new Decoded(null, Failure.CORRUPT);
    }
    CRC32C crc = new CRC32C();
    crc.update(in, 0, in.length - 4);
    int stored = ((in[in.length - 4] & 0xFF) << 24) | ((in[in.length - 3] & 0xFF) << 16)
        | ((in[in.length - 2] & 0xFF) << 8) | (in[in.length - 1] & 0xFF);
    if ((int) crc.getValue() != stored) {
      return new Decoded(null, Failure.CORRUPT);
    }
    Reader r = new Reader(in, in.length - 4);
    try {
      OpRecord record = switch (r.u8()) {
        case OBJECT_PUT -> objectPut(r);
        case OBJECT_ERASED -> new OpRecord.ObjectErased(r.bytes());
        case SEGMENT_MOUNTED -> new OpRecord.SegmentMounted(r.string(), r.string(), r.string(), r.varint(),
            r.u8() != 0);
        case SEGMENT_UNMOUNTED -> new OpRecord.SegmentUnmounted(r.string());
        case NODE_SESSION -> new OpRecord.NodeSession(r.string(), r.string());
        case NODE_GONE -> new OpRecord.NodeGone(r.string());
        case DISK_REGISTERED -> new OpRecord.DiskRegistered(r.string(), r.string());
        default -> null;
      };
      if (record == null) {
        return new Decoded(null, Failure.UNKNOWN);
      }
      return r.atEnd() ? new Decoded(record, null) : new Decoded(null, Failure.CORRUPT);
    } catch (IllegalArgumentException malformed) {
      return new Decoded(null, Failure.CORRUPT);
    }
  }

  private static OpRecord objectPut(Reader r) {
    byte[] key = r.bytes();
    long size = r.varint();
    boolean hard = r.u8() != 0;
    long softPin = r.varint();
    String group = r.string();
    int memoryCount = r.count(MAX_REPLICAS);
    List<OpRecord.MemoryAt> memory = new ArrayList<>(memoryCount);
    for (int i = 0; i < memoryCount; i++) {
      memory.add(new OpRecord.MemoryAt(r.string(), r.varint()));
    }
    int diskCount = r.count(MAX_REPLICAS);
    List<String> disks = new ArrayList<>(diskCount);
    for (int i = 0; i < diskCount; i++) {
      disks.add(r.string());
    }
    return new OpRecord.ObjectPut(key, size, hard, softPin, group, memory, disks);
  }

  /** A growable byte array; {@link #sealed} appends the checksum. */
  private static final class Writer {
    private byte[] buf = new byte[64];
    private int size;

    private void ensure(int more) {
      if (size + more > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
      }
    }

    Writer u8(int v) {
      ensure(1);
      buf[size++] = (byte) v;
      return this;
    }

    Writer varint(long v) {
      if (v < 0) {
        throw new IllegalArgumentException("negative value in a record: " + v);
      }
      ensure(10);
      while ((v & ~0x7FL) != 0) {
        buf[size++] = (byte) ((v & 0x7F) | 0x80);
        v >>>= 7;
      }
      buf[size++] = (byte) v;
      return this;
    }

    Writer bytes(byte[] b) {
      varint(b.length);
      ensure(b.length);
      System.arraycopy(b, 0, buf, size, b.length);
      size += b.length;
      return this;
    }

    Writer string(String s) {
      return bytes(s.getBytes(StandardCharsets.UTF_8));
    }

    byte[] sealed() {
      CRC32C crc = new CRC32C();
      crc.update(buf, 0, size);
      int c = (int) crc.getValue();
      ensure(4);
      buf[size++] = (byte) (c >>> 24);
      buf[size++] = (byte) (c >>> 16);
      buf[size++] = (byte) (c >>> 8);
      buf[size++] = (byte) c;
      return Arrays.copyOf(buf, size);
    }
  }

  /** Reads {@code [0, end)} of a record; anything malformed is an IllegalArgumentException. */
  private static final class Reader {
    private final byte[] in;
    private final int end;
    private int at;

    Reader(byte[] in, int end) {
      this.in = in;
      this.end = end;
    }

    int u8() {
      if (at >= end) {
        throw new IllegalArgumentException("truncated");
      }
      return in[at++] & 0xFF;
    }

    long varint() {
      long v = 0;
      for (int shift = 0; shift < 63; shift += 7) {
        int b = u8();
        v |= (long) (b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
          return v;
        }
      }
      throw new IllegalArgumentException("varint too long");
    }

    int count(int max) {
      long n = varint();
      if (n > max || n > end - at) { // every element takes at least a byte
        throw new IllegalArgumentException("count " + n + " out of range");
      }
      return (int) n;
    }

    byte[] bytes() {
      int n = count(MAX_BYTES);
      byte[] out = Arrays.copyOfRange(in, at, at + n);
      at += n;
      return out;
    }

    String string() {
      return new String(bytes(), StandardCharsets.UTF_8);
    }

    boolean atEnd() {
      return at == end;
    }
  }
}
