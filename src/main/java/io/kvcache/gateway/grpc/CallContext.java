package io.kvcache.gateway.grpc;

/** What a method knows of the call it serves, whatever transport carries it. */
public interface CallContext {
  /**
   * The caller's identity as a writer (two-phase puts, copies and moves): a random 64-bit id of the connection the call
   * came on. A client cannot name another writer; there is no field to fill in.
   */
  long client();
}
