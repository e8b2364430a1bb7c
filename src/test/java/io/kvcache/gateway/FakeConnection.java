package io.kvcache.gateway;

import io.kvcache.gateway.grpc.ClientConnection;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.ThreadLocalRandom;

/** A client connection for unit tests: a peer uid (empty = TCP) and close hooks the test fires. Not thread-safe. */
final class FakeConnection implements ClientConnection {
  private final long id = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
  private final OptionalInt peerUid;
  final List<Runnable> hooks = new ArrayList<>();
  private boolean closed;

  FakeConnection(OptionalInt peerUid) {
    this.peerUid = peerUid;
  }

  @Override
  public long id() {
    return id;
  }

  @Override
  public OptionalInt peerUid() {
    return peerUid;
  }

  @Override
  public void onClose(Runnable onClose) {
    if (closed) {
      onClose.run();
    } else {
      hooks.add(onClose);
    }
  }

  void close() {
    closed = true;
    List.copyOf(hooks).forEach(Runnable::run);
    hooks.clear();
  }
}
