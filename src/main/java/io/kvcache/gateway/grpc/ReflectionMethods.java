package io.kvcache.gateway.grpc;

import com.google.protobuf.Descriptors;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.reflection.v1.ErrorResponse;
import io.vertx.grpc.reflection.v1.FileDescriptorResponse;
import io.vertx.grpc.reflection.v1.ListServiceResponse;
import io.vertx.grpc.reflection.v1.ServerReflectionProto;
import io.vertx.grpc.reflection.v1.ServerReflectionRequest;
import io.vertx.grpc.reflection.v1.ServerReflectionResponse;
import io.vertx.grpc.reflection.v1.ServiceResponse;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * gRPC server reflection (v1, {@code grpc.reflection.v1.ServerReflection}), so stock tools (grpcurl, grpcui, Postman)
 * can call the store without its .proto files: lists the services and serves the file descriptors that define a symbol
 * or carry a file name, each file with the dependencies not yet sent on the stream. One answer per request; the stream
 * ends when the client ends it.
 */
public final class ReflectionMethods {
  private ReflectionMethods() {}

  public static MethodTable table(List<Descriptors.ServiceDescriptor> served) {
    Descriptors.ServiceDescriptor self = ServerReflectionProto.getDescriptor().findServiceByName("ServerReflection");
    Map<String, Descriptors.FileDescriptor> files = new LinkedHashMap<>();
    List<Descriptors.ServiceDescriptor> all = new ArrayList<>(served);
    all.add(self);
    all.forEach(s -> collect(s.getFile(), files));
    return new MethodTable(self, List.of(new GrpcMethod.BidiStreaming<>("ServerReflectionInfo",
        ServerReflectionRequest.getDefaultInstance(), ResponseEncoder.<ServerReflectionResponse>protobuf(),
        (call, requests, responses) -> {
          Set<String> sent = new HashSet<>();
          requests.handler(request -> {
            responses.write(answer(request, all, files, sent));
            requests.release(request);
          });
          requests.endHandler(ignored -> responses.end());
        })));
  }

  private static void collect(Descriptors.FileDescriptor file, Map<String, Descriptors.FileDescriptor> files) {
    if (files.putIfAbsent(file.getName(), file) == null) {
      file.getDependencies().forEach(d -> collect(d, files));
    }
  }

  private static ServerReflectionResponse answer(ServerReflectionRequest request,
                                                 List<Descriptors.ServiceDescriptor> services,
                                                 Map<String, Descriptors.FileDescriptor> files, Set<String> sent) {
    ServerReflectionResponse.Builder reply = ServerReflectionResponse.newBuilder().setValidHost(request.getHost())
        .setOriginalRequest(request);
    switch (request.getMessageRequestCase()) {
      case LIST_SERVICES -> {
        ListServiceResponse.Builder list = ListServiceResponse.newBuilder();
        services.forEach(s -> list.addService(ServiceResponse.newBuilder().setName(s.getFullName())));
        return reply.setListServicesResponse(list).build();
      }
      case FILE_BY_FILENAME -> {
        Descriptors.FileDescriptor file = files.get(request.getFileByFilename());
        return file == null ? notFound(reply, "no file " + request.getFileByFilename())
            : reply.setFileDescriptorResponse(withDependencies(file, sent)).build();
      }
      case FILE_CONTAINING_SYMBOL -> {
        Descriptors.FileDescriptor file = defining(request.getFileContainingSymbol(), files);
        return file == null ? notFound(reply, "no symbol " + request.getFileContainingSymbol())
            : reply.setFileDescriptorResponse(withDependencies(file, sent)).build();
      }
      default -> {
        return reply.setErrorResponse(ErrorResponse.newBuilder().setErrorCode(GrpcStatus.UNIMPLEMENTED.code)
            .setErrorMessage("not supported: " + request.getMessageRequestCase())).build();
      }
    }
  }

  private static ServerReflectionResponse notFound(ServerReflectionResponse.Builder reply, String message) {
    return reply.setErrorResponse(ErrorResponse.newBuilder().setErrorCode(GrpcStatus.NOT_FOUND.code)
        .setErrorMessage(message)).build();
  }

  /** The file that defines a service, method, message, enum or field of that full name, or null. */
  private static Descriptors.FileDescriptor defining(String symbol, Map<String, Descriptors.FileDescriptor> files) {
    for (Descriptors.FileDescriptor file : files.values()) {
      for (Descriptors.ServiceDescriptor s : file.getServices()) {
        if (s.getFullName().equals(symbol) || s.getMethods().stream().anyMatch(m -> m.getFullName().equals(symbol))) {
          return file;
        }
      }
      if (file.getEnumTypes().stream().anyMatch(e -> e.getFullName().equals(symbol)) || definesMessage(file, symbol)) {
        return file;
      }
    }
    return null;
  }

  private static boolean definesMessage(Descriptors.FileDescriptor file, String symbol) {
    ArrayDeque<Descriptors.Descriptor> todo = new ArrayDeque<>(file.getMessageTypes());
    while (!todo.isEmpty()) {
      Descriptors.Descriptor d = todo.poll();
      if (d.getFullName().equals(symbol) || d.getFields().stream().anyMatch(f -> f.getFullName().equals(symbol))
          || d.getEnumTypes().stream().anyMatch(e -> e.getFullName().equals(symbol))) {
        return true;
      }
      todo.addAll(d.getNestedTypes());
    }
    return false;
  }

  /** The file and its transitive dependencies, skipping dependencies this stream already sent. */
  private static FileDescriptorResponse withDependencies(Descriptors.FileDescriptor file, Set<String> sent) {
    FileDescriptorResponse.Builder out = FileDescriptorResponse.newBuilder();
    sent.add(file.getName());
    out.addFileDescriptorProto(file.toProto().toByteString());
    ArrayDeque<Descriptors.FileDescriptor> todo = new ArrayDeque<>(file.getDependencies());
    while (!todo.isEmpty()) {
      Descriptors.FileDescriptor f = todo.poll();
      if (sent.add(f.getName())) {
        out.addFileDescriptorProto(f.toProto().toByteString());
        todo.addAll(f.getDependencies());
      }
    }
    return out.build();
  }
}
