package io.kvcache.gateway;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A client's shared-memory region, mapped into the node: the file the client registered, bound to the connection it
 * came on. Calls that use it take it ({@link #acquire}) and give it back ({@link #release}); it is unmapped once it was
 * closed (unregistered, or its connection went) and no call uses it any more — never while a copy into or out of it is
 * running.
 *
 * <p>Not thread-safe: a connection's calls all run on its event loop; the mapping is used by those calls only.
 */
final class SharedBuffer {
  private final String id;
  private final long connectionId;
  private final Arena arena;
  private final MemorySegment memory;
  private final Runnable onUnmapped;
  private int inFlight;
  private boolean closing;
  private boolean unmapped;

  SharedBuffer(String id, long connectionId, Arena arena, MemorySegment memory, Runnable onUnmapped) {
    this.id = id;
    this.connectionId = connectionId;
    this.arena = arena;
    this.memory = memory;
    this.onUnmapped = onUnmapped;
  }

  String id() {
    return id;
  }

  long connectionId() {
    return connectionId;
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

  void release() {
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

  private void unmap() {
    if (!unmapped) {
      unmapped = true;
      arena.close();
      onUnmapped.run();
    }
  }
}
