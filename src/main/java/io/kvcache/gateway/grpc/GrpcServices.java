package io.kvcache.gateway.grpc;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The services a gRPC endpoint serves, each a {@link MethodTable}; a call's path {@code /<service>/<method>} is looked
 * up here.
 *
 * <p>Immutable and thread-safe.
 */
public final class GrpcServices {
  private final Map<String, MethodTable> byName = new LinkedHashMap<>();

  public GrpcServices(List<MethodTable> services) {
    for (MethodTable t : services) {
      if (byName.put(t.serviceName(), t) != null) {
        throw new IllegalArgumentException("service " + t.serviceName() + " given twice");
      }
    }
  }

  /** The method at {@code path}, or null. */
  public GrpcMethod<?, ?> find(String path) {
    if (path == null || path.length() < 4 || path.charAt(0) != '/') {
      return null;
    }
    int slash = path.indexOf('/', 1);
    if (slash < 0) {
      return null;
    }
    MethodTable service = byName.get(path.substring(1, slash));
    return service == null ? null : service.find(path.substring(slash + 1));
  }

  public Iterable<MethodTable> services() {
    return byName.values();
  }
}
