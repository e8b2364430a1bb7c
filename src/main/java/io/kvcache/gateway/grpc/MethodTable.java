package io.kvcache.gateway.grpc;

import com.google.protobuf.Descriptors;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The methods of one gRPC service, each with its one implementation: whatever transport serves a call (Vert.x gRPC,
 * or our own framing for the data-plane methods) looks the method up here.
 *
 * <p>Immutable and thread-safe.
 */
public final class MethodTable {
  private final Descriptors.ServiceDescriptor service;
  private final Map<String, GrpcMethod<?, ?>> byName = new LinkedHashMap<>();

  /** @throws IllegalArgumentException if a method is missing, unknown to the service, or given twice */
  public MethodTable(Descriptors.ServiceDescriptor service, List<GrpcMethod<?, ?>> methods) {
    this.service = service;
    for (GrpcMethod<?, ?> m : methods) {
      if (service.findMethodByName(m.name()) == null || byName.put(m.name(), m) != null) {
        throw new IllegalArgumentException("method " + m.name() + " is unknown to " + service.getFullName()
            + " or given twice");
      }
    }
    if (byName.size() != service.getMethods().size()) {
      throw new IllegalArgumentException("every method of " + service.getFullName() + " needs an implementation");
    }
  }

  public Descriptors.ServiceDescriptor service() {
    return service;
  }

  /** The service's full name, as in a call's path ({@code /<service>/<method>}). */
  public String serviceName() {
    return service.getFullName();
  }

  /** The method called {@code name}, or null. */
  public GrpcMethod<?, ?> find(String name) {
    return byName.get(name);
  }

  public Iterable<GrpcMethod<?, ?>> methods() {
    return byName.values();
  }
}
