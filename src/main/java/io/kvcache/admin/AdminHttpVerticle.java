package io.kvcache.admin;

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
  private final String registryName;
  private final String host;
  private final int port;
  private final BooleanSupplier ready;
  private HttpServer server;

  /** @param registryName the node's Micrometer registry; @param ready whether the node serves (health UP) */
  public AdminHttpVerticle(String registryName, String host, int port, BooleanSupplier ready) {
    this.registryName = registryName;
    this.host = host;
    this.port = port;
    this.ready = ready;
  }

  @Override
  public Future<?> start() {
    HealthChecks checks = HealthChecks.create(vertx);
    checks.register("node", promise -> promise.complete(ready.getAsBoolean() ? Status.OK() : Status.KO()));
    Router router = Router.router(vertx);
    router.route("/metrics").handler(PrometheusScrapingHandler.create(registryName));
    router.get("/health").handler(HealthCheckHandler.createWithHealthChecks(checks));
    server = vertx.createHttpServer().requestHandler(router);
    return server.listen(port, host);
  }

  public int actualPort() {
    return server.actualPort();
  }
}
