package io.kvcache.gateway.grpc;

import io.kvcache.proto.health.HealthCheckRequest;
import io.kvcache.proto.health.HealthCheckResponse;
import io.kvcache.proto.health.HealthCheckResponse.ServingStatus;
import io.kvcache.proto.health.HealthOuterClass;
import io.vertx.core.Future;

import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The standard gRPC health service ({@code grpc.health.v1.Health}): SERVING once the gateway can reach the master, for
 * the overall server ("") and for the services it names; SERVICE_UNKNOWN for other names. Watch sends the current status
 * and stays open until the client cancels.
 */
public final class HealthMethods {
  private HealthMethods() {}

  public static MethodTable table(BooleanSupplier serving, List<String> services) {
    java.util.function.Function<HealthCheckRequest, HealthCheckResponse> status = request -> {
      String service = request.getService();
      ServingStatus s = !service.isEmpty() && !services.contains(service) ? ServingStatus.SERVICE_UNKNOWN
          : serving.getAsBoolean() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
      return HealthCheckResponse.newBuilder().setStatus(s).build();
    };
    return new MethodTable(HealthOuterClass.getDescriptor().findServiceByName("Health"), List.of(
        new GrpcMethod.Unary<>("Check", HealthCheckRequest.getDefaultInstance(), ResponseEncoder.protobuf(),
            (call, request) -> Future.succeededFuture(status.apply(request))),
        new GrpcMethod.ServerStreaming<>("Watch", HealthCheckRequest.getDefaultInstance(), ResponseEncoder.protobuf(),
            (call, request, responses) -> responses.write(status.apply(request)))));
  }
}
