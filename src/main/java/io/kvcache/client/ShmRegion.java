package io.kvcache.client;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * A new file in the shm directory, mapped: the memory of a registered buffer. Created with a random name and
 * {@code O_CREAT|O_EXCL} (never someone else's file), mode exactly 0600, every page touched once (so a full tmpfs fails
 * here rather than faulting later, and the first copies do not pay the page faults). The caller registers the file with
 * the node, then deletes the name: the memory stays while this mapping and the node's exist.
 *
 * <p>Thread-safe (immutable); {@link #create} blocks on file-system calls.
 */
record ShmRegion(Path file, Arena arena, MemorySegment memory) {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

  static ShmRegion create(Path directory, long size) throws IOException {
    if (size <= 0) {
      throw new IllegalArgumentException("buffer size must be positive, got " + size);
    }
    byte[] name = new byte[16];
    RANDOM.nextBytes(name);
    Path file = directory.resolve("kvstore-java-" + ProcessHandle.current().pid() + "-" + HexFormat.of().formatHex(name));
    Arena arena = Arena.ofShared();
    try (FileChannel channel = FileChannel.open(file, Set.<OpenOption>of(StandardOpenOption.CREATE_NEW,
        StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
        PosixFilePermissions.asFileAttribute(OWNER_ONLY))) {
      Files.setPosixFilePermissions(file, OWNER_ONLY); // exactly 0600 whatever the umask
      channel.write(ByteBuffer.wrap(new byte[1]), size - 1);
      MemorySegment memory = channel.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
      memory.fill((byte) 0);
      return new ShmRegion(file, arena, memory);
    } catch (IOException | RuntimeException | InternalError e) { // InternalError: the tmpfs ran out of pages
      arena.close();
      Files.deleteIfExists(file);
      throw e instanceof InternalError ? new IOException("no room in " + directory + " for " + size + " bytes", e)
          : e instanceof IOException io ? io : new IOException(e);
    }
  }
}
