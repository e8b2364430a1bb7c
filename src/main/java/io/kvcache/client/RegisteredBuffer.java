package io.kvcache.client;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Shared memory registered with the node: write values into {@link #memory()} and {@code batchPutFrom} them, or
 * {@code batchGetInto} it and read them there, at offsets you choose. The node maps the same pages, so values move by one
 * memory copy on the node's side and never travel in a message. Registered on the client's connection only, until
 * {@link KvStoreClient#unregisterBuffer} or the client closes; the memory is unmapped here then.
 *
 * <p>Thread-safe for its state; what threads write into the memory, and when, is the caller's business.
 */
public final class RegisteredBuffer {
  private final String id;
  private final Arena arena;
  private final MemorySegment memory;
  private volatile boolean registered = true;

  RegisteredBuffer(String id, Arena arena, MemorySegment memory) {
    this.id = id;
    this.arena = arena;
    this.memory = memory;
  }

  /** The id the node gave it (valid on this client's connection only). */
  public String id() {
    return id;
  }

  /** The whole region; invalid (closed) once the buffer is unregistered. */
  public MemorySegment memory() {
    return memory;
  }

  public long size() {
    return memory.byteSize();
  }

  public boolean isRegistered() {
    return registered;
  }

  /** Unmaps it here; the client calls this after the node unregistered it. */
  void release() {
    registered = false;
    arena.close();
  }
}
