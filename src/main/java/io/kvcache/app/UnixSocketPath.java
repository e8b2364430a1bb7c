package io.kvcache.app;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The path of the node's gRPC Unix socket: made ready before the gateways bind it (a live socket of another node is
 * never taken over — epoll's bind would silently replace it — a stale one left by a crash is removed), and closed to
 * everyone but the node's user once bound (mode 0600).
 */
final class UnixSocketPath {
  private UnixSocketPath() {}

  /** Creates the parent directory and removes a stale socket; fails if a live server answers on the path. */
  static void prepare(Path path) throws IOException {
    Files.createDirectories(path.getParent());
    if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      probe.connect(UnixDomainSocketAddress.of(path));
      throw new IOException("another server is listening on " + path + "; set grpc_uds_path to another path");
    } catch (java.net.SocketException stale) { // refused (or no longer a socket): nobody serves it
      Files.delete(path); // nobody answers: a socket file a crashed node left behind
    }
  }

  /** Only the node's user may connect. */
  static void restrict(Path path) throws IOException {
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
  }
}
