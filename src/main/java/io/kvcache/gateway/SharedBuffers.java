package io.kvcache.gateway;

import io.kvcache.gateway.grpc.ClientConnection;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.util.Result;
import io.kvcache.util.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The shared-memory buffers clients of one gateway registered (the same-host path). A client creates a file in the
 * node's shm directory, maps it itself, and registers it here; the node maps the same file and copies values between
 * it and the segments, so no value byte travels in a gRPC message. Registration is refused unless it comes on the
 * node's Unix socket from a process of the node's own user (the kernel's peer credentials: a client on TCP cannot prove
 * it is on this host), and names a regular file directly in the shm directory (no link), owned by that user, with mode
 * 0600 and exactly the given size, within the size cap and the per-connection count. The id is 128 random bits bound to
 * the connection: another connection presenting it is refused as if it did not exist. A buffer is unmapped when
 * unregistered or when its connection closes, once the calls using it have finished.
 *
 * <p>Not thread-safe: one per gateway verticle; every connection of a verticle, and so every call that uses one of
 * these buffers, runs on that verticle's event loop. Files are opened and mapped on a worker thread.
 */
final class SharedBuffers {
  /** The outcome of a registration: the buffer id, or a code and why. */
  record Registration(ErrorCode code, String bufferId, String message) {
    static Registration refused(ErrorCode code, String why) {
      return new Registration(code, "", why);
    }
  }

  private record Mapped(Arena arena, MemorySegment memory) {}

  private final Vertx vertx;
  private final ShmOptions options;
  private final int nodeUid;
  private final AtomicLong registeredOnNode;
  private final Map<String, SharedBuffer> byId = new HashMap<>();
  private final Map<Long, Set<String>> byConnection = new HashMap<>();

  /** @param registeredOnNode the node-wide count of mapped buffers (the {@code kvstore_gateway_registered_buffers} gauge) */
  SharedBuffers(Vertx vertx, ShmOptions options, int nodeUid, AtomicLong registeredOnNode) {
    this.vertx = vertx;
    this.options = options;
    this.nodeUid = nodeUid;
    this.registeredOnNode = registeredOnNode;
  }

  /** The uid this process runs as (-1 if it cannot be told, which refuses every registration). */
  static int processUid() {
    try {
      return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return -1;
    }
  }

  /** Maps {@code path} ({@code size} bytes) for {@code connection}. */
  Future<Registration> register(ClientConnection connection, String path, long size) {
    OptionalInt peer = connection.peerUid();
    if (peer.isEmpty()) {
      return Future.succeededFuture(Registration.refused(ErrorCode.ILLEGAL_CLIENT,
          "buffers are registered on the node's Unix socket only"));
    }
    if (nodeUid < 0 || peer.getAsInt() != nodeUid) {
      return Future.succeededFuture(Registration.refused(ErrorCode.ILLEGAL_CLIENT, "the peer is not the node's user"));
    }
    if (size <= 0 || size > options.maxBufferBytes()) {
      return Future.succeededFuture(Registration.refused(ErrorCode.INVALID_PARAMS,
          "size " + size + " is outside [1, " + options.maxBufferBytes() + "]"));
    }
    if (countOf(connection.id()) >= options.buffersPerConnection()) {
      return Future.succeededFuture(Registration.refused(ErrorCode.INVALID_PARAMS,
          "a connection may register at most " + options.buffersPerConnection() + " buffers"));
    }
    return vertx.executeBlocking(() -> map(path, size), false).map(mapped -> {
      if (!mapped.isOk()) {
        return Registration.refused(mapped.code(), reasonOf(mapped.code()));
      }
      if (countOf(connection.id()) >= options.buffersPerConnection()) { // a concurrent registration took the last one
        mapped.value().arena().close();
        return Registration.refused(ErrorCode.INVALID_PARAMS,
            "a connection may register at most " + options.buffersPerConnection() + " buffers");
      }
      String id = Tokens.random128();
      boolean firstOfConnection = !byConnection.containsKey(connection.id());
      byConnection.computeIfAbsent(connection.id(), c -> new LinkedHashSet<>()).add(id);
      byId.put(id, new SharedBuffer(id, connection.id(), mapped.value().arena(), mapped.value().memory(),
          () -> forget(id, connection.id())));
      registeredOnNode.incrementAndGet();
      if (firstOfConnection) {
        connection.onClose(() -> closeAll(connection.id()));
      }
      return new Registration(ErrorCode.OK, id, "");
    });
  }

  private static String reasonOf(ErrorCode code) {
    return code == ErrorCode.FILE_NOT_FOUND ? "no such file in the shm directory"
        : code == ErrorCode.FILE_OPEN_FAIL ? "the file could not be opened and mapped"
        : "the file must be a regular file in the shm directory, owned by the node's user, mode 0600, of that size";
  }

  /** Unregisters a buffer of this connection (unmapped once the calls using it finished). */
  ErrorCode unregister(ClientConnection connection, String id) {
    SharedBuffer buffer = byId.get(id);
    if (buffer == null || buffer.connectionId() != connection.id()) {
      return ErrorCode.ILLEGAL_CLIENT;
    }
    buffer.close();
    return ErrorCode.OK;
  }

  /** The buffer {@code id}, taken for one call ({@link SharedBuffer#release} when done); refused if not this connection's. */
  Result<SharedBuffer> acquire(ClientConnection connection, String id) {
    SharedBuffer buffer = byId.get(id);
    if (buffer == null || buffer.connectionId() != connection.id() || !buffer.acquire()) {
      return Result.fail(ErrorCode.ILLEGAL_CLIENT);
    }
    return Result.ok(buffer);
  }

  private int countOf(long connectionId) {
    Set<String> ids = byConnection.get(connectionId);
    return ids == null ? 0 : ids.size();
  }

  private void closeAll(long connectionId) {
    Set<String> ids = byConnection.get(connectionId);
    if (ids != null) {
      for (String id : List.copyOf(ids)) {
        SharedBuffer buffer = byId.get(id);
        if (buffer != null) {
          buffer.close();
        }
      }
    }
  }

  private void forget(String id, long connectionId) {
    byId.remove(id);
    Set<String> ids = byConnection.get(connectionId);
    if (ids != null) {
      ids.remove(id);
      if (ids.isEmpty()) {
        byConnection.remove(connectionId);
      }
    }
    registeredOnNode.decrementAndGet();
  }

  /** Checks the file and maps it (blocking: file system calls). */
  private Result<Mapped> map(String path, long size) {
    Path file;
    try {
      file = Path.of(path);
    } catch (RuntimeException e) {
      return Result.fail(ErrorCode.INVALID_PARAMS);
    }
    if (!file.isAbsolute() || !file.normalize().equals(file) || file.getParent() == null
        || !file.getParent().equals(options.directory())) {
      return Result.fail(ErrorCode.INVALID_PARAMS);
    }
    try {
      Map<String, Object> before = Files.readAttributes(file, "unix:*", LinkOption.NOFOLLOW_LINKS);
      if (!acceptable(before, size)) {
        return Result.fail(ErrorCode.INVALID_PARAMS);
      }
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE,
          LinkOption.NOFOLLOW_LINKS)) {
        Map<String, Object> after = Files.readAttributes(file, "unix:*", LinkOption.NOFOLLOW_LINKS);
        // The file opened is the file checked (same inode, still acceptable), not one swapped in between.
        if (!before.get("ino").equals(after.get("ino")) || !before.get("dev").equals(after.get("dev"))
            || !acceptable(after, size) || channel.size() != size) {
          return Result.fail(ErrorCode.INVALID_PARAMS);
        }
        Arena arena = Arena.ofShared();
        try {
          return Result.ok(new Mapped(arena, channel.map(FileChannel.MapMode.READ_WRITE, 0, size, arena)));
        } catch (IOException | RuntimeException e) {
          arena.close();
          return Result.fail(ErrorCode.FILE_OPEN_FAIL);
        }
      }
    } catch (java.nio.file.NoSuchFileException e) {
      return Result.fail(ErrorCode.FILE_NOT_FOUND);
    } catch (IOException | RuntimeException e) {
      return Result.fail(ErrorCode.FILE_OPEN_FAIL);
    }
  }

  private boolean acceptable(Map<String, Object> attributes, long size) {
    int mode = (Integer) attributes.get("mode");
    boolean regularFile = (mode & 0170000) == 0100000;
    return regularFile && (Integer) attributes.get("uid") == nodeUid && (mode & 0777) == 0600
        && (Long) attributes.get("size") == size;
  }
}
