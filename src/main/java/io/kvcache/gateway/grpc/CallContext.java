package io.kvcache.gateway.grpc;

/** What a method knows of the call it serves, whatever transport carries it. */
public interface CallContext {
  /**
   * The caller's identity as a writer (two-phase puts, copies and moves): a random 64-bit id of the connection the call
   * came on. A client cannot name another writer; there is no field to fill in.
   */
  default long client() {
    return connection().id();
  }

  /** The connection the call came on. */
  ClientConnection connection();

  /** Keeps {@code resource} alive until the call has ended (its last byte written, or the call reset); then closes it. */
  void hold(AutoCloseable resource);
}
