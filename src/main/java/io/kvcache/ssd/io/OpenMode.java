package io.kvcache.ssd.io;

/** How {@link FileIo#open} opens a file. */
public enum OpenMode {
  /** Read only; the file must exist. */
  READ,
  /** Read and write; the file must exist. */
  READ_WRITE,
  /** Read and write; created if missing, contents kept. */
  CREATE,
  /** Read and write; created if missing, emptied if present. */
  TRUNCATE
}
