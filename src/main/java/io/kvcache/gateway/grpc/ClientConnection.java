package io.kvcache.gateway.grpc;

import java.util.OptionalInt;

/**
 * The client connection a call came on: its random id, whether it is the node's Unix socket (and then the peer's uid,
 * from the kernel), and a hook for what must go when it closes (e.g. the shared buffers it registered).
 */
public interface ClientConnection {
  /** 64 random bits, never 0; a client cannot choose or learn another connection's. */
  long id();

  /** The peer's user id, known only on a Unix socket (SO_PEERCRED); empty on TCP. */
  OptionalInt peerUid();

  /** Runs {@code onClose} once when the connection closes (at once if it already did); on its event loop. */
  void onClose(Runnable onClose);
}
