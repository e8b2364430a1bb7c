package io.kvcache.gateway.grpc;

import io.kvcache.util.Tokens;
import io.vertx.core.http.HttpConnection;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The writer identity of a gRPC client is its connection: each HTTP/2 connection gets a random 64-bit id when first
 * seen. A client cannot name another writer (there is no field to fill in), and ids are not guessable across nodes.
 *
 * <p>Not thread-safe: one per gateway verticle; a connection is served by exactly one event loop.
 */
public final class ClientIds {
  private final Map<HttpConnection, Long> ids = new IdentityHashMap<>();

  public long of(HttpConnection connection) {
    Long id = ids.get(connection);
    if (id == null) {
      id = Tokens.random64();
      ids.put(connection, id);
      connection.closeHandler(ignored -> ids.remove(connection));
    }
    return id;
  }
}
