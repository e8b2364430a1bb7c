package io.kvcache.bus;

import io.kvcache.proto.bus.MasterInfoRequest;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether the master has answered this node: asked on {@link Addresses#MASTER_INFO} whenever the answer is not known
 * yet (one question in flight at a time), remembered once it answered.
 *
 * <p>Thread-safe (atomics; replies land on whichever context asked).
 */
public final class MasterPresence {
  private final Vertx vertx;
  private final DeliveryOptions options;
  private final AtomicBoolean known = new AtomicBoolean();
  private final AtomicBoolean asking = new AtomicBoolean();

  public MasterPresence(Vertx vertx, DeliveryOptions options) {
    this.vertx = vertx;
    this.options = options;
  }

  /** True once the master answered; otherwise asks (again) and answers false for now. */
  public boolean known() {
    if (!known.get() && asking.compareAndSet(false, true)) {
      vertx.eventBus().request(Addresses.MASTER_INFO, MasterInfoRequest.getDefaultInstance(), options)
          .onComplete(ar -> {
            if (ar.succeeded()) {
              known.set(true);
            }
            asking.set(false);
          });
    }
    return known.get();
  }
}
