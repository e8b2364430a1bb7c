package io.kvcache.storage.peer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Proof that a data connection comes from a cluster member: every storage node keeps a random secret that it publishes
 * only in the cluster's own map ({@link PeerDirectory}); a client proves it read that map by answering the server's
 * fresh nonce with an HMAC under the secret. A recorded proof is worthless on another connection (new nonce).
 *
 * <p>Stateless and thread-safe.
 */
final class PeerAuth {
  private static final SecureRandom RANDOM = new SecureRandom();
  static final int SECRET_BYTES = 32;

  private PeerAuth() {}

  static byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    RANDOM.nextBytes(bytes);
    return bytes;
  }

  static byte[] proof(byte[] secret, byte[] nonce, String segmentName) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      mac.update(ByteBuffer.allocate(4).putInt(PeerWire.MAGIC).array());
      mac.update(nonce);
      mac.update(segmentName.getBytes(StandardCharsets.UTF_8));
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  /** Constant-time comparison: the time taken says nothing about how much of a guess was right. */
  static boolean verify(byte[] secret, byte[] nonce, String segmentName, byte[] claimed) {
    return MessageDigest.isEqual(proof(secret, nonce, segmentName), claimed);
  }
}
