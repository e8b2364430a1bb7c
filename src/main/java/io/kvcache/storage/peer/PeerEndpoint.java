package io.kvcache.storage.peer;

import java.util.Base64;

/**
 * Where a storage node serves its segment's bytes and the secret a client proves it knows: what the node publishes in
 * the cluster's map. Encoded as {@code host|port|base64(secret)}.
 */
public record PeerEndpoint(String host, int port, byte[] secret) {

  String encode() {
    return host + "|" + port + "|" + Base64.getEncoder().encodeToString(secret);
  }

  /** The endpoint in {@code text}; an IllegalArgumentException if it is not one. */
  static PeerEndpoint decode(String text) {
    String[] parts = text.split("\\|");
    if (parts.length != 3) {
      throw new IllegalArgumentException("not a peer endpoint: " + text.length() + " chars");
    }
    int port = Integer.parseInt(parts[1]);
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port " + port);
    }
    return new PeerEndpoint(parts[0], port, Base64.getDecoder().decode(parts[2]));
  }
}
