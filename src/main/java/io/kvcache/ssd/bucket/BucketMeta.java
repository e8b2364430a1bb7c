package io.kvcache.ssd.bucket;

import io.kvcache.ssd.io.DirectFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

import static io.kvcache.ssd.bucket.BucketFileLayout.U16;
import static io.kvcache.ssd.bucket.BucketFileLayout.U32;
import static io.kvcache.ssd.bucket.BucketFileLayout.U64;
import static io.kvcache.ssd.bucket.BucketMetaLayout.ENTRY_CRC;
import static io.kvcache.ssd.bucket.BucketMetaLayout.ENTRY_FIXED_BYTES;
import static io.kvcache.ssd.bucket.BucketMetaLayout.ENTRY_KEY;
import static io.kvcache.ssd.bucket.BucketMetaLayout.ENTRY_KEY_LENGTH;
import static io.kvcache.ssd.bucket.BucketMetaLayout.ENTRY_OFFSET;
import static io.kvcache.ssd.bucket.BucketMetaLayout.ENTRY_SIZE;
import static io.kvcache.ssd.bucket.BucketMetaLayout.HEADER_BYTES;
import static io.kvcache.ssd.bucket.BucketMetaLayout.TRAILER_BYTES;

/**
 * The contents of one meta file: which objects a bucket holds and where. {@link #encode} and {@link #decode} are the
 * only code that reads or writes the {@link BucketMetaLayout} format.
 *
 * <p>Immutable; thread-safe.
 */
record BucketMeta(long bucketId, long dataBytes, List<Entry> entries) {
  /** One object: key, byte offset in the .bucket file, size, CRC32C of its bytes. */
  record Entry(SsdKey key, long offset, long size, int crc) {}

  /** Raised by {@link #decode} for a record that is truncated, of another format, or fails its checksum. */
  static final class CorruptMetaException extends Exception {
    CorruptMetaException(String message) {
      super(message);
    }
  }

  BucketMeta {
    entries = List.copyOf(entries);
  }

  /** Length of the encoded record (without the padding to the alignment). */
  long encodedBytes() {
    long n = HEADER_BYTES + TRAILER_BYTES;
    for (Entry e : entries) {
      n += ENTRY_FIXED_BYTES + e.key().length();
    }
    return n;
  }

  /** The record, zero-padded to the alignment, in a 4096-aligned segment of {@code arena} ready for an O_DIRECT write. */
  MemorySegment encode(Arena arena) {
    long length = encodedBytes();
    MemorySegment out = arena.allocate(BucketFileLayout.align(length), DirectFile.ALIGNMENT);
    out.set(U64, BucketMetaLayout.MAGIC_OFFSET, BucketMetaLayout.MAGIC);
    out.set(U32, BucketMetaLayout.VERSION_OFFSET, BucketMetaLayout.VERSION);
    out.set(U32, BucketMetaLayout.OBJECT_COUNT_OFFSET, entries.size());
    out.set(U64, BucketMetaLayout.BUCKET_ID_OFFSET, bucketId);
    out.set(U64, BucketMetaLayout.DATA_BYTES_OFFSET, dataBytes);
    out.set(U64, BucketMetaLayout.META_BYTES_OFFSET, length);
    long at = HEADER_BYTES;
    for (Entry e : entries) {
      out.set(U64, at + ENTRY_OFFSET, e.offset());
      out.set(U64, at + ENTRY_SIZE, e.size());
      out.set(U32, at + ENTRY_CRC, e.crc());
      out.set(U16, at + ENTRY_KEY_LENGTH, (short) e.key().length());
      MemorySegment.copy(MemorySegment.ofArray(e.key().bytes()), 0, out, at + ENTRY_KEY, e.key().length());
      at += ENTRY_FIXED_BYTES + e.key().length();
    }
    out.set(U32, at, crc(out, at));
    return out;
  }

  /** Parses and verifies a record (trailing padding ignored). */
  static BucketMeta decode(MemorySegment in) throws CorruptMetaException {
    if (in.byteSize() < HEADER_BYTES + TRAILER_BYTES) {
      throw new CorruptMetaException("meta of " + in.byteSize() + " bytes is shorter than its header");
    }
    if (in.get(U64, BucketMetaLayout.MAGIC_OFFSET) != BucketMetaLayout.MAGIC) {
      throw new CorruptMetaException("not a bucket meta file (bad magic)");
    }
    int version = in.get(U32, BucketMetaLayout.VERSION_OFFSET);
    if (version != BucketMetaLayout.VERSION) {
      throw new CorruptMetaException("meta format version " + version + " unknown");
    }
    long length = in.get(U64, BucketMetaLayout.META_BYTES_OFFSET);
    if (length < HEADER_BYTES + TRAILER_BYTES || length > in.byteSize()) {
      throw new CorruptMetaException("meta length " + length + " outside the " + in.byteSize() + "-byte file");
    }
    long crcAt = length - TRAILER_BYTES;
    if (in.get(U32, crcAt) != crc(in, crcAt)) {
      throw new CorruptMetaException("meta checksum mismatch");
    }
    int count = in.get(U32, BucketMetaLayout.OBJECT_COUNT_OFFSET);
    long dataBytes = in.get(U64, BucketMetaLayout.DATA_BYTES_OFFSET);
    List<Entry> entries = new ArrayList<>(Math.max(0, Math.min(count, 1 << 16)));
    long at = HEADER_BYTES;
    for (int i = 0; i < count; i++) {
      if (at + ENTRY_FIXED_BYTES > crcAt) {
        throw new CorruptMetaException("entry " + i + " runs past the end of the meta");
      }
      int keyLength = Short.toUnsignedInt(in.get(U16, at + ENTRY_KEY_LENGTH));
      if (at + ENTRY_FIXED_BYTES + keyLength > crcAt) {
        throw new CorruptMetaException("key of entry " + i + " runs past the end of the meta");
      }
      byte[] key = in.asSlice(at + ENTRY_KEY, keyLength).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
      long offset = in.get(U64, at + ENTRY_OFFSET);
      long size = in.get(U64, at + ENTRY_SIZE);
      if (offset < BucketFileLayout.HEADER_BYTES || offset % DirectFile.ALIGNMENT != 0 || size < 0
          || offset + size > dataBytes) {
        throw new CorruptMetaException("entry " + i + " (offset " + offset + ", size " + size
            + ") does not fit a " + dataBytes + "-byte bucket");
      }
      entries.add(new Entry(SsdKey.of(key), offset, size, in.get(U32, at + ENTRY_CRC)));
      at += ENTRY_FIXED_BYTES + keyLength;
    }
    if (at != crcAt) {
      throw new CorruptMetaException("meta has " + (crcAt - at) + " unexplained bytes after its entries");
    }
    return new BucketMeta(in.get(U64, BucketMetaLayout.BUCKET_ID_OFFSET), dataBytes, entries);
  }

  static int crc(MemorySegment segment, long length) {
    CRC32C crc = new CRC32C();
    crc.update(segment.asSlice(0, length).asByteBuffer());
    return (int) crc.getValue();
  }
}
