package io.kvcache.gateway;

import io.kvcache.gateway.grpc.ClientConnection;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.util.Result;
import io.kvcache.util.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The shared-memory buffers clients of one gateway registered (the same-host path). A client creates a file in the
 * node's shm directory, maps it itself, and registers it here; the node maps the same file ({@link ShmFile}) and copies
 * values between it and the segments, so no value byte travels in a gRPC message. Registration is refused unless it
 * comes on the node's Unix socket from a process of the node's own user (the kernel's peer credentials: a client on TCP
 * cannot prove it is on this host), within the size cap and the per-connection count (registrations still being
 * mapped count too). The id is 128 random bits bound to the connection: it is looked up among that connection's buffers
 * only, compared in constant time, so another connection presenting it is refused as if it did not exist. A buffer is
 * unmapped when unregistered or when its connection closes, once the calls using it have finished.
 *
 * <p>Not thread-safe: one per gateway verticle; every connection of a verticle, and so every call that uses one of
 * these buffers, runs on that verticle's event loop. Files are checked and mapped on a worker thread.
 */
final class SharedBuffers {
  /** The outcome of a registration: the buffer id, or a code and why. */
  record Registration(ErrorCode code, String bufferId, String message) {
    static Registration refused(ErrorCode code, String why) {
      return new Registration(code, "", why);
    }
  }

  /** One connection's buffers, its registrations still being mapped, and whether it is still open. */
  private static final class Owner {
    final List<SharedBuffer> buffers = new ArrayList<>();
    int pending;
    boolean closed;
  }

  private final Function<Callable<ShmFile.Mapped>, Future<ShmFile.Mapped>> offLoop;
  private final ShmOptions options;
  private final int nodeUid;
  private final AtomicLong registeredOnNode;
  private final Map<Long, Owner> owners = new HashMap<>();

  /** @param registeredOnNode the node-wide count of mapped buffers (the {@code kvstore_gateway_registered_buffers} gauge) */
  SharedBuffers(Vertx vertx, ShmOptions options, int nodeUid, AtomicLong registeredOnNode) {
    this(task -> vertx.executeBlocking(task, false), options, nodeUid, registeredOnNode);
  }

  /** @param offLoop runs a file mapping on a thread allowed to block; its future completes on the caller's context */
  SharedBuffers(Function<Callable<ShmFile.Mapped>, Future<ShmFile.Mapped>> offLoop, ShmOptions options, int nodeUid,
                AtomicLong registeredOnNode) {
    this.offLoop = offLoop;
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
      return Future.succeededFuture(Registration.refused(ErrorCode.ILLEGAL_CLIENT,
          "the peer (uid " + peer.getAsInt() + ") is not the node's user"));
    }
    if (size <= 0 || size > options.maxBufferBytes()) {
      return Future.succeededFuture(Registration.refused(ErrorCode.INVALID_PARAMS,
          "size " + size + " is outside [1, " + options.maxBufferBytes() + "] (shm_buffer_max_bytes)"));
    }
    Owner owner = ownerOf(connection);
    if (owner.closed) {
      return Future.succeededFuture(Registration.refused(ErrorCode.ILLEGAL_CLIENT, "the connection is closed"));
    }
    if (owner.buffers.size() + owner.pending >= options.buffersPerConnection()) {
      return Future.succeededFuture(Registration.refused(ErrorCode.INVALID_PARAMS, "a connection may register at most "
          + options.buffersPerConnection() + " buffers (shm_buffers_per_connection)"));
    }
    owner.pending++;
    return offLoop.apply(() -> ShmFile.map(options.directory(), nodeUid, path, size))
        .otherwise(failure -> ShmFile.Mapped.refused(ErrorCode.FILE_OPEN_FAIL, "the file could not be mapped"))
        .map(mapped -> {
          owner.pending--;
          if (!mapped.isOk()) {
            forgetIfUnused(connection.id(), owner);
            return Registration.refused(mapped.code(), mapped.message());
          }
          if (owner.closed) { // the connection went while the file was being mapped
            mapped.arena().close();
            forgetIfUnused(connection.id(), owner);
            return Registration.refused(ErrorCode.ILLEGAL_CLIENT, "the connection is closed");
          }
          String id = Tokens.random128();
          SharedBuffer buffer = new SharedBuffer(id, mapped.arena(), mapped.memory(),
              unmapped -> forget(connection.id(), owner, unmapped));
          owner.buffers.add(buffer);
          registeredOnNode.incrementAndGet();
          return new Registration(ErrorCode.OK, id, "");
        });
  }

  /** The connection's entry; the first time, one hook for its close (not one per registration: they would pile up). */
  private Owner ownerOf(ClientConnection connection) {
    Owner owner = owners.get(connection.id());
    if (owner == null) {
      Owner created = new Owner();
      owners.put(connection.id(), created);
      connection.onClose(() -> closeAll(connection.id(), created));
      owner = created;
    }
    return owner;
  }

  /** Unregisters a buffer of this connection (unmapped once the calls using it finished). */
  ErrorCode unregister(ClientConnection connection, String id) {
    SharedBuffer buffer = find(connection, id);
    if (buffer == null) {
      return ErrorCode.ILLEGAL_CLIENT;
    }
    buffer.close();
    return ErrorCode.OK;
  }

  /** The buffer {@code id}, taken for one call ({@link SharedBuffer#release} when done); refused if not this connection's. */
  Result<SharedBuffer> acquire(ClientConnection connection, String id) {
    SharedBuffer buffer = find(connection, id);
    if (buffer == null || !buffer.acquire()) {
      return Result.fail(ErrorCode.ILLEGAL_CLIENT);
    }
    return Result.ok(buffer);
  }

  /** Among this connection's buffers only; every candidate compared in constant time. */
  private SharedBuffer find(ClientConnection connection, String id) {
    Owner owner = owners.get(connection.id());
    SharedBuffer found = null;
    if (owner != null) {
      for (SharedBuffer buffer : owner.buffers) {
        if (Tokens.matches(buffer.id(), id)) {
          found = buffer;
        }
      }
    }
    return found;
  }

  private void closeAll(long connectionId, Owner owner) {
    owner.closed = true;
    for (SharedBuffer buffer : List.copyOf(owner.buffers)) {
      buffer.close();
    }
    forgetIfUnused(connectionId, owner);
  }

  private void forget(long connectionId, Owner owner, SharedBuffer unmapped) {
    owner.buffers.remove(unmapped);
    registeredOnNode.decrementAndGet();
    forgetIfUnused(connectionId, owner);
  }

  /** Drops a closed connection's entry once nothing of it is left (an open one keeps its entry and its one hook). */
  private void forgetIfUnused(long connectionId, Owner owner) {
    if (owner.closed && owner.buffers.isEmpty() && owner.pending == 0 && owners.get(connectionId) == owner) {
      owners.remove(connectionId);
    }
  }

  /** Connections with an entry here (for tests: entries of closed connections must go). */
  int connectionsTracked() {
    return owners.size();
  }
}
