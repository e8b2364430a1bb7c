package io.kvcache.storage.peer;

import io.kvcache.proto.v1.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The data endpoints of the cluster's storage nodes, by node id, in a map only cluster members can read (Vert.x shared
 * data: the cluster manager's distributed map when clustered). Each storage node publishes its own when it starts and
 * withdraws it when it stops; clients look a node up once and keep it until a connection to it fails.
 *
 * <p>Thread-safe (the cache is a concurrent map; the cluster map is).
 */
public final class PeerDirectory {
  static final String MAP = "kv.peer-data";

  private final Vertx vertx;
  private final Map<String, PeerEndpoint> cache = new ConcurrentHashMap<>();

  public PeerDirectory(Vertx vertx) {
    this.vertx = vertx;
  }

  private Future<AsyncMap<String, String>> map() {
    return vertx.sharedData().getAsyncMap(MAP);
  }

  public Future<Void> publish(String nodeId, PeerEndpoint endpoint) {
    return map().compose(m -> m.put(nodeId, endpoint.encode()));
  }

  public Future<Void> withdraw(String nodeId) {
    return map().compose(m -> m.remove(nodeId)).mapEmpty();
  }

  /** The endpoint of {@code nodeId}; fails with a PeerFailure (TRANSFER_FAIL) if the node published none. */
  Future<PeerEndpoint> lookup(String nodeId) {
    PeerEndpoint known = cache.get(nodeId);
    if (known != null) {
      return Future.succeededFuture(known);
    }
    return map().compose(m -> m.get(nodeId)).compose(text -> {
      if (text == null) {
        return Future.failedFuture(new PeerFailure(ErrorCode.TRANSFER_FAIL, "node " + nodeId + " serves no data"));
      }
      PeerEndpoint endpoint;
      try {
        endpoint = PeerEndpoint.decode(text);
      } catch (IllegalArgumentException e) {
        return Future.failedFuture(new PeerFailure(ErrorCode.TRANSFER_FAIL, "bad endpoint of " + nodeId));
      }
      cache.put(nodeId, endpoint);
      return Future.succeededFuture(endpoint);
    });
  }

  /** Forgets what was looked up for {@code nodeId} (its connection failed: it may have restarted elsewhere). */
  void forget(String nodeId) {
    cache.remove(nodeId);
  }
}
