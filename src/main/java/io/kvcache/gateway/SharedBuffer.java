package io.kvcache.gateway;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;

/**
 * A client's shared-memory region, mapped into the node: the file the client registered. Calls that use it take it
 * ({@link #acquire}) and give it back ({@link #release}); it is unmapped once it was closed (unregistered, or its
 * connection went) and no call uses it any more — never while a copy into or out of it is running.
 *
 * <p>Not thread-safe: a connection's calls all run on its event loop; the mapping is used by those calls only.
 */
final class SharedBuffer {
  private final String id;
  private final Arena arena;
  private final MemorySegment memory;
  private final Consumer<SharedBuffer> onUnmapped;
  private int inFlight;
  private boolean closing;
  private boolean unmapped;

  SharedBuffer(String id, Arena arena, MemorySegment memory, Consumer<SharedBuffer> onUnmapped) {
    this.id = id;
    this.arena = arena;
    this.memory = memory;
    this.onUnmapped = onUnmapped;
  }

  String id() {
    return id;
  }

  long size() {
    return memory.byteSize();
  }

  /** The region, for a call that {@link #acquire acquired} it. */
  MemorySegment memory() {
    return memory;
  }

  /** A call starts using the region; false once it is closing. */
  boolean acquire() {
    if (closing) {
      return false;
    }
    inFlight++;
    return true;
  }

  /** A call that acquired the region is done with it (exactly once per successful {@link #acquire}). */
  void release() {
    if (inFlight <= 0) {
      throw new IllegalStateException("buffer released more often than acquired");
    }
    if (--inFlight == 0 && closing) {
      unmap();
    }
  }

  /** No new call may use it; unmapped when the last one in flight is done. */
  void close() {
    closing = true;
    if (inFlight == 0) {
      unmap();
    }
  }

  /** Calls using it now (for tests). */
  int inFlight() {
    return inFlight;
  }

  private void unmap() {
    if (!unmapped) {
      unmapped = true;
      arena.close();
      onUnmapped.accept(this);
    }
  }
}
