package io.kvcache.e2e;

import com.google.protobuf.DescriptorProtos;
import com.google.protobuf.InvalidProtocolBufferException;
import io.kvcache.app.Node;
import io.kvcache.testing.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.reflection.v1.ServerReflectionRequest;
import io.vertx.grpc.reflection.v1.ServerReflectionResponse;
import io.vertx.grpc.reflection.v1.ServiceResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * gRPC server reflection (v1) on the gateway's port, the way stock tools (grpcurl, grpcui, Postman) discover the API
 * without the .proto files: the services are listed and the KvStore's file descriptor is served with every method.
 */
class ReflectionTest {
  private static final ServiceMethod<ServerReflectionResponse, ServerReflectionRequest> REFLECTION =
      ServiceMethod.client(ServiceName.create("grpc.reflection.v1.ServerReflection"), "ServerReflectionInfo",
          GrpcMessageEncoder.encoder(), GrpcMessageDecoder.decoder(ServerReflectionResponse.newBuilder()));
  private static Node node;
  private static Vertx clientVertx;
  private static GrpcClient grpc;

  @BeforeAll
  static void startNode() {
    node = TestNodes.start(TestNodes.singleNode("64MiB"));
    clientVertx = Vertx.vertx();
    grpc = GrpcClient.client(clientVertx);
  }

  @AfterAll
  static void stopNode() {
    TestNodes.stop(node);
    TestNodes.close(clientVertx);
  }

  /** One reflection request on its own stream (the server ends the stream after each answer). */
  private static ServerReflectionResponse ask(ServerReflectionRequest request) {
    SocketAddress server = SocketAddress.inetSocketAddress(node.grpcPort(), TestNodes.HOST);
    return TestNodes.await(grpc.request(server, REFLECTION).compose(call -> {
      call.end(request);
      return call.response().compose(response -> response.last());
    }));
  }

  @Test
  void listsTheStoreAndHealthServices() {
    List<String> services = ask(ServerReflectionRequest.newBuilder().setListServices("*").build())
        .getListServicesResponse().getServiceList().stream().map(ServiceResponse::getName).toList();
    assertTrue(services.contains("kvstore.v1.KvStore"), services.toString());
    assertTrue(services.contains("grpc.health.v1.Health"), services.toString());
  }

  @Test
  void servesTheKvStoreDescriptorWithEveryMethod() throws InvalidProtocolBufferException {
    ServerReflectionResponse reply = ask(ServerReflectionRequest.newBuilder()
        .setFileContainingSymbol("kvstore.v1.KvStore").build());
    assertTrue(reply.getFileDescriptorResponse().getFileDescriptorProtoCount() >= 1);
    DescriptorProtos.FileDescriptorProto file = DescriptorProtos.FileDescriptorProto.parseFrom(
        reply.getFileDescriptorResponse().getFileDescriptorProto(0));
    DescriptorProtos.ServiceDescriptorProto kvStore = file.getServiceList().stream()
        .filter(s -> s.getName().equals("KvStore")).findFirst().orElseThrow();
    List<String> methods = kvStore.getMethodList().stream().map(DescriptorProtos.MethodDescriptorProto::getName).toList();
    assertTrue(methods.containsAll(List.of("Put", "Get", "BatchPut", "BatchGet", "BatchExists", "PutStart")), methods
        .toString());
    assertEquals(io.kvcache.proto.v1.Kvstore.getDescriptor().findServiceByName("KvStore").getMethods().size(),
        methods.size());
  }

}
