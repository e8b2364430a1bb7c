package io.kvcache.ssd.bucket;

/**
 * On-disk format of a bucket meta file {@code <id>.meta}, written only after its {@code <id>.bucket} is durable
 * (first as {@code <id>.meta.tmp}, then renamed). Little-endian, field types from {@link BucketFileLayout}.
 *
 * <pre>
 * header (HEADER_BYTES):
 *   MAGIC u64 | VERSION u32 | OBJECT_COUNT u32 | BUCKET_ID u64 | DATA_BYTES u64 (length of the .bucket) |
 *   META_BYTES u64 (length of this record: header + entries + trailer)
 * OBJECT_COUNT entries (ENTRY_FIXED_BYTES + key length each):
 *   OFFSET u64 (in the .bucket) | SIZE u64 | CRC32C u32 (of the object's bytes) | KEY_LENGTH u16 | key bytes
 * trailer: META_CRC u32 = CRC32C of [0, META_BYTES - 4)
 * zero padding up to the alignment (the file is written with O_DIRECT)
 * </pre>
 *
 * <p>Constants only; thread-safe.
 */
public final class BucketMetaLayout {
  private BucketMetaLayout() {}

  /** "KVMETA01" read as a little-endian u64. */
  public static final long MAGIC = 0x3130_4154_454D_564BL;
  public static final int VERSION = 1;
  public static final String SUFFIX = ".meta";
  public static final String TEMP_SUFFIX = ".meta.tmp";

  public static final long MAGIC_OFFSET = 0;
  public static final long VERSION_OFFSET = 8;
  public static final long OBJECT_COUNT_OFFSET = 12;
  public static final long BUCKET_ID_OFFSET = 16;
  public static final long DATA_BYTES_OFFSET = 24;
  public static final long META_BYTES_OFFSET = 32;
  public static final long HEADER_BYTES = 40;

  public static final long ENTRY_OFFSET = 0;
  public static final long ENTRY_SIZE = 8;
  public static final long ENTRY_CRC = 16;
  public static final long ENTRY_KEY_LENGTH = 20;
  public static final long ENTRY_KEY = 22;
  public static final long ENTRY_FIXED_BYTES = ENTRY_KEY;

  public static final long TRAILER_BYTES = 4;

  /** Longest key the format holds (u16 length). */
  public static final int MAX_KEY_BYTES = 0xFFFF;
}
