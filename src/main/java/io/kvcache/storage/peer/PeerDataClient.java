package io.kvcache.storage.peer;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * Reads and writes byte ranges of other nodes' segments over data connections ({@link PeerWire}): one connection per
 * (peer segment, caller's event loop), opened on first use and shared by every call from that loop, so requests from
 * one loop are pipelined on one socket without a thread hop, and loops never share a connection. A connection that
 * closes is dropped and its peer looked up again on the next call (the node may have restarted).
 *
 * <p>Thread-safe: the pool is a concurrent map; each connection is used on its own event loop.
 */
public final class PeerDataClient {
  private final VertxInternal vertx;
  private final PeerDirectory directory;
  private final long requestTimeoutMs;
  private final Map<ConnectionKey, Future<PeerClientConnection>> connections = new ConcurrentHashMap<>();

  /** Which connection a call uses: the segment it addresses and the event loop it is made from. */
  private record ConnectionKey(String nodeId, String segmentName, EventLoop loop) {}

  public PeerDataClient(Vertx vertx, PeerDirectory directory, long requestTimeoutMs) {
    this.vertx = (VertxInternal) vertx;
    this.directory = directory;
    this.requestTimeoutMs = requestTimeoutMs;
  }

  /** {@code length} bytes at {@code offset} of the segment; the caller owns (and releases) the buffer. */
  public Future<ByteBuf> read(String nodeId, String segmentName, long offset, int length) {
    return onConnection(nodeId, segmentName,
        (connection, promise) -> connection.read(offset, length, promise, nowMs()));
  }

  /**
   * The first {@code length} bytes of object {@code index} of batch {@code batchId} that the node's SSD loaded for
   * {@code owner}, over the connection to its data name {@code segmentName}; the caller owns (and releases) the buffer.
   */
  public Future<ByteBuf> readLoaded(String nodeId, String segmentName, String batchId, String owner, int index,
                                    int length) {
    return onConnection(nodeId, segmentName,
        (connection, promise) -> connection.readLoaded(batchId, owner, index, length, promise, nowMs()));
  }

  private Future<ByteBuf> onConnection(String nodeId, String segmentName,
                                       BiConsumer<PeerClientConnection, Promise<ByteBuf>> request) {
    ContextInternal caller = vertx.getOrCreateContext();
    Promise<ByteBuf> promise = caller.promise();
    connection(caller, nodeId, segmentName).onComplete(ar -> {
      if (ar.failed()) {
        promise.fail(ar.cause());
      } else {
        onLoop(ar.result(), () -> request.accept(ar.result(), promise));
      }
    });
    return promise.future();
  }

  /**
   * Writes {@code payload} at {@code offset} of the segment; takes ownership of the buffer. {@code term}: the fencing
   * term of the master that granted the replica (the peer refuses a write of a replaced master).
   */
  public Future<Void> write(String nodeId, String segmentName, long offset, long term, ByteBuf payload) {
    ContextInternal caller = vertx.getOrCreateContext();
    Promise<Void> promise = caller.promise();
    connection(caller, nodeId, segmentName).onComplete(ar -> {
      if (ar.failed()) {
        payload.release();
        promise.fail(ar.cause());
      } else {
        onLoop(ar.result(), () -> ar.result().write(offset, term, payload, promise, nowMs()));
      }
    });
    return promise.future();
  }

  private static void onLoop(PeerClientConnection connection, Runnable body) {
    EventLoop loop = connection.eventLoop();
    if (loop.inEventLoop()) {
      body.run();
    } else {
      loop.execute(body);
    }
  }

  private Future<PeerClientConnection> connection(ContextInternal caller, String nodeId, String segmentName) {
    EventLoop loop = caller.nettyEventLoop();
    ConnectionKey key = new ConnectionKey(nodeId, segmentName, loop);
    Future<PeerClientConnection> existing = connections.get(key);
    if (existing != null && !(existing.succeeded() && existing.result().isClosed()) && !existing.failed()) {
      return existing;
    }
    Promise<PeerClientConnection> opened = caller.promise();
    Future<PeerClientConnection> mine = opened.future();
    if (existing == null ? connections.putIfAbsent(key, mine) != null : !connections.replace(key, existing, mine)) {
      return connections.get(key); // another caller is opening it
    }
    directory.lookup(nodeId).onComplete(found -> {
      if (found.failed()) {
        connections.remove(key, mine);
        opened.fail(found.cause());
        return;
      }
      PeerEndpoint endpoint = found.result();
      PeerClientConnection connection = new PeerClientConnection(segmentName, endpoint.secret(), requestTimeoutMs,
          () -> {
            connections.remove(key, mine);
            directory.forget(nodeId);
          });
      new Bootstrap().group(loop).channelFactory(vertx.transport().channelFactory(false))
          .option(ChannelOption.TCP_NODELAY, true).handler(connection)
          .connect(endpoint.host(), endpoint.port()).addListener(f -> {
            if (f.isSuccess()) {
              opened.complete(connection);
            } else {
              connections.remove(key, mine);
              directory.forget(nodeId);
              opened.fail(new PeerFailure(io.kvcache.proto.v1.ErrorCode.TRANSFER_FAIL,
                  "cannot reach node " + nodeId + ": " + f.cause().getMessage()));
            }
          });
    });
    return mine;
  }

  /** Closes every connection (the node is stopping); calls still waiting fail. */
  public void close() {
    connections.values().forEach(f -> f.onSuccess(PeerClientConnection::close));
    connections.clear();
  }

  private static long nowMs() {
    return System.nanoTime() / 1_000_000;
  }
}
