package io.kvcache.app;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;

import java.util.function.BooleanSupplier;

/** Serves Prometheus text at {@code /metrics} and the node's health at {@code /health}. */
public final class AdminHttpVerticle extends VerticleBase {
  private final NodeContext node;
  private final BooleanSupplier ready;
  private HttpServer server;

  public AdminHttpVerticle(NodeContext node, BooleanSupplier ready) {
    this.node = node;
    this.ready = ready;
  }

  @Override
  public Future<?> start() {
    HealthChecks checks = HealthChecks.create(vertx);
    checks.register("node", promise -> promise.complete(ready.getAsBoolean() ? Status.OK() : Status.KO()));
    Router router = Router.router(vertx);
    router.route("/metrics").handler(PrometheusScrapingHandler.create(node.options().nodeName()));
    router.get("/health").handler(HealthCheckHandler.createWithHealthChecks(checks));
    server = vertx.createHttpServer().requestHandler(router);
    return server.listen(node.options().metricsPort(), node.options().metricsHost());
  }

  public int actualPort() {
    return server.actualPort();
  }
}
