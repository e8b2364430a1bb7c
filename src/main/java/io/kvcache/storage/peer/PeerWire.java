package io.kvcache.storage.peer;

/**
 * The node-to-node data protocol, byte for byte (all integers big-endian). It carries value bytes only; everything else
 * between nodes stays on the event bus.
 *
 * <pre>
 * server → client, on connect:  HELLO    magic u32 | nonce[32]
 * client → server, once:        AUTH     magic u32 | name length u16 | segment name (UTF-8) | proof[32]
 *                                         proof = HMAC-SHA256(server's secret, magic | nonce | segment name)
 * client → server:              REQUEST  op u8 | id u32 | offset i64 | length i64 | term i64 | (WRITE: length bytes)
 *                                         (LOADED: term is the length of the batch reference that follows it)
 * server → client, in order:    REPLY    id u32 | code i32 | length i64 | (READ/LOADED answered OK: length bytes)
 * </pre>
 *
 * A connection is bound to one segment of the server's node; until AUTH has been verified the server accepts nothing
 * else, and a wrong proof closes the connection. Offsets are bytes into the segment; {@code code} is an
 * {@code ErrorCode} number (0 = OK). {@code term} is the fencing term of the master that granted a WRITE's replica: the
 * server refuses a write from a master older than the newest it knows (UNAVAILABLE_IN_CURRENT_MODE); READs send 0.
 *
 * <p>LOADED reads an object the node's SSD loaded into its load buffers ({@code LoadBuffers}) for a reader on another
 * node: {@code offset} is the object's index in its batch, {@code length} how many bytes of it, and the reference that
 * follows the header is the batch id, one space and the batch's owner (UTF-8, at most {@link #MAX_LOADED_REF_BYTES}).
 * A batch that is not alive or not that owner's is INVALID_PARAMS. A connection serves LOADED whatever segment it
 * authenticated for: the proof shows a cluster member, the batch id (128 random bits) and owner select the bytes.
 */
final class PeerWire {
  private PeerWire() {}

  static final int MAGIC = 0x4B564431; // "KVD1"
  static final int NONCE_BYTES = 32;
  static final int PROOF_BYTES = 32;
  static final int HELLO_BYTES = 4 + NONCE_BYTES;
  static final int MAX_SEGMENT_NAME_BYTES = 1024;
  /** AUTH before its name: magic and name length. */
  static final int AUTH_HEAD_BYTES = 4 + 2;

  static final byte READ = 1;
  static final byte WRITE = 2;
  static final byte LOADED = 3;
  static final int MAX_LOADED_REF_BYTES = 1024;
  static final int REQUEST_HEADER_BYTES = 1 + 4 + 8 + 8 + 8;
  static final int REPLY_HEADER_BYTES = 4 + 4 + 8;

  /** Largest single read: what one buffer can hold. */
  static final long MAX_READ_BYTES = Integer.MAX_VALUE - REPLY_HEADER_BYTES;
}
