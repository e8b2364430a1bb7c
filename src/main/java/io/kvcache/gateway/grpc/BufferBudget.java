package io.kvcache.gateway.grpc;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Request bytes received and held but not yet processed, counted against a cap: one budget per connection, each drawing
 * on the node's budget too ({@code parent}), so neither one connection nor all of them together can hold more than
 * their caps.
 *
 * <p>Thread-safe (atomic counters).
 */
public final class BufferBudget {
  private final long capBytes;
  private final BufferBudget parent;
  private final AtomicLong heldBytes = new AtomicLong();

  public BufferBudget(long capBytes, BufferBudget parent) {
    this.capBytes = capBytes;
    this.parent = parent;
  }

  /** Takes {@code bytes} from this budget and its parent; false (nothing taken) if either would pass its cap. */
  public boolean tryTake(long bytes) {
    while (true) {
      long held = heldBytes.get();
      if (held > capBytes - bytes) {
        return false;
      }
      if (heldBytes.compareAndSet(held, held + bytes)) {
        break;
      }
    }
    if (parent != null && !parent.tryTake(bytes)) {
      heldBytes.addAndGet(-bytes);
      return false;
    }
    return true;
  }

  public void giveBack(long bytes) {
    heldBytes.addAndGet(-bytes);
    if (parent != null) {
      parent.giveBack(bytes);
    }
  }

  public long heldBytes() {
    return heldBytes.get();
  }

  public long capBytes() {
    return capBytes;
  }
}
