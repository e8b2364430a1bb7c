package io.kvcache.ha;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.*;

class OpRecordCodecTest {
  private static final List<OpRecord> SAMPLES = List.of(
      new OpRecord.ObjectPut("key".getBytes(StandardCharsets.UTF_8), 123_456, true, 9_000, "group-1",
          List.of(new OpRecord.MemoryAt("seg-a", 4096), new OpRecord.MemoryAt("seg-b", 0)), List.of("node-c")),
      new OpRecord.ObjectPut(new byte[] {0, 1, 2}, 1, false, 0, "", List.of(), List.of("n")),
      new OpRecord.ObjectErased(new byte[] {5, 6}),
      new OpRecord.SegmentMounted("seg-a", "node-a", "127.0.0.1:1", 1L << 40, true),
      new OpRecord.SegmentUnmounted("seg-a"),
      new OpRecord.NodeSession("node-a", "0123456789abcdef"),
      new OpRecord.NodeGone("node-a"),
      new OpRecord.DiskRegistered("node-a", "127.0.0.1:2"));

  @Test
  void everyRecordRoundTrips() {
    for (OpRecord r : SAMPLES) {
      OpRecordCodec.Decoded d = OpRecordCodec.decode(OpRecordCodec.encode(r));
      assertTrue(d.isOk(), r.toString());
      assertEquals(normalised(r), normalised(d.record()));
    }
  }

  @Test
  void anyFlippedBitIsACorruptRecord() {
    byte[] encoded = OpRecordCodec.encode(SAMPLES.get(0));
    for (int i = 0; i < encoded.length; i++) {
      byte[] bad = encoded.clone();
      bad[i] ^= 0x10;
      assertEquals(OpRecordCodec.Failure.CORRUPT, OpRecordCodec.decode(bad).failure(), "byte " + i);
    }
    assertEquals(OpRecordCodec.Failure.CORRUPT, OpRecordCodec.decode(new byte[3]).failure());
    assertEquals(OpRecordCodec.Failure.CORRUPT, OpRecordCodec.decode(null).failure());
  }

  @Test
  void anIntactRecordOfAnUnknownTypeIsUnknown() {
    assertEquals(OpRecordCodec.Failure.UNKNOWN, OpRecordCodec.decode(sealed(new byte[] {99, 1, 2})).failure());
  }

  @Test
  void declaredLengthsBeyondTheRecordAreRefusedWithoutAllocating() {
    // type ObjectPut, then a key length of 2^62 (a 9-byte varint) and nothing else, with a valid checksum
    byte[] hostile = {1, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80,
        (byte) 0x80, 0x40};
    assertEquals(OpRecordCodec.Failure.CORRUPT, OpRecordCodec.decode(sealed(hostile)).failure());
    byte[] trailing = OpRecordCodec.encode(new OpRecord.NodeGone("n"));
    byte[] body = java.util.Arrays.copyOf(trailing, trailing.length - 4 + 1); // one extra byte after the body
    assertEquals(OpRecordCodec.Failure.CORRUPT, OpRecordCodec.decode(sealed(body)).failure());
  }

  private static byte[] sealed(byte[] body) {
    CRC32C crc = new CRC32C();
    crc.update(body);
    int c = (int) crc.getValue();
    byte[] out = java.util.Arrays.copyOf(body, body.length + 4);
    out[body.length] = (byte) (c >>> 24);
    out[body.length + 1] = (byte) (c >>> 16);
    out[body.length + 2] = (byte) (c >>> 8);
    out[body.length + 3] = (byte) c;
    return out;
  }

  /** Records hold byte arrays, whose equals is identity: compare a readable form. */
  private static String normalised(OpRecord r) {
    return switch (r) {
      case OpRecord.ObjectPut p -> "put " + java.util.Arrays.toString(p.key()) + " " + p.size() + " " + p.hardPinned()
          + " " + p.softPinRemainingMs() + " " + p.groupId() + " " + p.memory() + " " + p.diskNodes();
      case OpRecord.ObjectErased e -> "erased " + java.util.Arrays.toString(e.key());
      default -> r.toString();
    };
  }
}
