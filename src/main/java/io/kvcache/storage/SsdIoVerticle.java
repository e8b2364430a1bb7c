package io.kvcache.storage;

import com.google.protobuf.Message;
import io.kvcache.bus.Addresses;
import io.kvcache.proto.v1.ErrorCode;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;

/**
 * Exposes a node's {@link SsdService} (store, load, evict, scan, query) on the event bus at
 * {@link Addresses#ssd(String)}. Deployed as a worker verticle on its own named pool ({@link #deploy}), so every
 * blocking file operation runs on those worker threads, each of which lazily gets its own io_uring ring.
 *
 * <p>Thin adapter: all logic is in {@link SsdService}. It owns neither the service nor the store; whoever deploys it
 * closes them after undeploying.
 */
public final class SsdIoVerticle extends VerticleBase {
  /** Name of the worker pool whose threads do the SSD I/O. */
  public static final String WORKER_POOL = "kv-ssd-io";

  private final String nodeId;
  private final SsdService service;

  public SsdIoVerticle(String nodeId, SsdService service) {
    this.nodeId = nodeId;
    this.service = service;
  }

  /** Deploys {@code workers} instances on a worker pool of {@code workers} threads named {@value #WORKER_POOL}. */
  public static Future<String> deploy(Vertx vertx, String nodeId, SsdService service, int workers) {
    DeploymentOptions options = new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)
        .setWorkerPoolName(WORKER_POOL).setWorkerPoolSize(workers).setInstances(workers);
    return vertx.deployVerticle(() -> new SsdIoVerticle(nodeId, service), options);
  }

  @Override
  public Future<?> start() {
    MessageConsumer<Message> consumer = vertx.eventBus().consumer(Addresses.ssd(nodeId), this::handle);
    return consumer.completion();
  }

  private void handle(io.vertx.core.eventbus.Message<Message> message) {
    try {
      message.reply(service.handle(message.body()));
    } catch (IllegalArgumentException e) {
      message.fail(ErrorCode.INVALID_PARAMS_VALUE, e.getMessage());
    } catch (RuntimeException e) {
      message.fail(ErrorCode.INTERNAL_ERROR_VALUE, e.toString());
    }
  }
}
