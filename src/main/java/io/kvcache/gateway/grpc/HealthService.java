package io.kvcache.gateway.grpc;

import io.kvcache.proto.health.HealthCheckRequest;
import io.kvcache.proto.health.HealthCheckResponse;
import io.kvcache.proto.health.HealthCheckResponse.ServingStatus;
import io.kvcache.proto.health.HealthGrpcService;
import io.vertx.core.Future;
import io.vertx.core.streams.WriteStream;

import java.util.function.BooleanSupplier;

/**
 * The standard gRPC health service on the gateway's port: SERVING once the gateway can reach the master, for the
 * overall server ("") and for "kvstore.v1.KvStore"; SERVICE_UNKNOWN for other names. Watch sends the current status.
 */
public final class HealthService extends HealthGrpcService {
  static final String KVSTORE_SERVICE = "kvstore.v1.KvStore";
  private final BooleanSupplier serving;

  public HealthService(BooleanSupplier serving) {
    this.serving = serving;
  }

  @Override
  public Future<HealthCheckResponse> check(HealthCheckRequest request) {
    return Future.succeededFuture(status(request));
  }

  @Override
  protected void watch(HealthCheckRequest request, WriteStream<HealthCheckResponse> response) {
    response.write(status(request));
  }

  private HealthCheckResponse status(HealthCheckRequest request) {
    String service = request.getService();
    ServingStatus status = !service.isEmpty() && !service.equals(KVSTORE_SERVICE) ? ServingStatus.SERVICE_UNKNOWN
        : serving.getAsBoolean() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    return HealthCheckResponse.newBuilder().setStatus(status).build();
  }
}
