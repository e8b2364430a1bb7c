package io.kvcache.replica;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one pin mechanism: a pin keeps a replica from being evicted while a copy, a move or an offload reads it. Every
 * pin has an owner (kind + id), the object it protects and an expiry; {@link Replica#pins} is only the count. Pins are
 * dropped by their owner (end, revoke, NACK), by expiry (the sweep), or when the object is erased — so a forgotten
 * owner can never keep a replica forever, and {@link #live()} returns to zero when nothing is in flight.
 *
 * <p>Not thread-safe: one per shard. The live count is shared across shards (an {@link AtomicLong}) for the metric.
 */
public final class Pins {
  /** One pin. */
  public record Pin(long id, PinOwner owner, long ownerId, ObjectEntry object, Replica replica, long expiresAtMs) {}

  private final Map<Long, Pin> byId = new HashMap<>();
  private final Map<ObjectEntry, List<Long>> byObject = new HashMap<>();
  private final AtomicLong liveAcrossShards;
  private long nextId = 1;

  public Pins(AtomicLong liveAcrossShards) {
    this.liveAcrossShards = liveAcrossShards;
  }

  /** Pins {@code replica} of {@code object} for {@code owner}; returns the pin id used to release it. */
  public long pin(PinOwner owner, long ownerId, ObjectEntry object, Replica replica, long expiresAtMs) {
    long id = nextId++;
    byId.put(id, new Pin(id, owner, ownerId, object, replica, expiresAtMs));
    byObject.computeIfAbsent(object, o -> new ArrayList<>(1)).add(id);
    replica.pins++;
    liveAcrossShards.incrementAndGet();
    return id;
  }

  /** Drops pin {@code id}; false if it was already gone (released, expired or its object erased). */
  public boolean release(long id) {
    Pin pin = byId.remove(id);
    if (pin == null) {
      return false;
    }
    List<Long> ofObject = byObject.get(pin.object());
    ofObject.remove(id);
    if (ofObject.isEmpty()) {
      byObject.remove(pin.object());
    }
    pin.replica().pins--;
    liveAcrossShards.decrementAndGet();
    return true;
  }

  public Pin get(long id) {
    return byId.get(id);
  }

  /** Drops every pin on {@code object} (it is being erased). */
  public void releaseAll(ObjectEntry object) {
    List<Long> ids = byObject.get(object);
    if (ids != null) {
      for (Long id : List.copyOf(ids)) {
        release(id);
      }
    }
  }

  /** The pins on {@code object}. */
  public List<Pin> of(ObjectEntry object) {
    List<Long> ids = byObject.get(object);
    if (ids == null) {
      return List.of();
    }
    List<Pin> out = new ArrayList<>(ids.size());
    ids.forEach(id -> out.add(byId.get(id)));
    return out;
  }

  /** Pins whose expiry has passed, for the sweep to release (with their owners' clean-up). */
  public List<Pin> expired(long nowMs) {
    List<Pin> out = new ArrayList<>();
    for (Pin p : byId.values()) {
      if (p.expiresAtMs() <= nowMs) {
        out.add(p);
      }
    }
    return out;
  }

  /** Pins held in this shard. */
  public int count() {
    return byId.size();
  }

  /** Pins held in all shards sharing the counter. */
  public long live() {
    return liveAcrossShards.get();
  }
}
