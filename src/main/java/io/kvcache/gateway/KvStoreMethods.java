package io.kvcache.gateway;

import com.google.protobuf.Message;
import io.kvcache.gateway.grpc.GrpcMethod;
import io.kvcache.gateway.grpc.MethodTable;
import io.kvcache.gateway.grpc.ResponseEncoder;
import io.kvcache.metadata.ReplicationKind;
import io.kvcache.proto.v1.*;

import java.util.List;

/**
 * The KvStore service's method table: every RPC of {@code kvstore.v1.KvStore} bound to its one implementation and the
 * way its responses are framed (the value-carrying ones frame their values by reference).
 */
final class KvStoreMethods {
  private KvStoreMethods() {}

  static MethodTable table(ValueHandlers values, KeyHandlers keys, TwoPhaseHandlers twoPhase,
                           ReplicationHandlers replication, SameHostHandlers sameHost) {
    return new MethodTable(Kvstore.getDescriptor().findServiceByName("KvStore"), List.of(
        unary("Put", PutRequest.getDefaultInstance(), values::put),
        new GrpcMethod.Unary<>("Get", GetRequest.getDefaultInstance(), ValueReplies.GET, values::get),
        new GrpcMethod.ClientStreaming<>("BatchPut", BatchPutChunk.getDefaultInstance(), ResponseEncoder.protobuf(),
            values::batchPut),
        new GrpcMethod.ServerStreaming<>("BatchGet", BatchGetRequest.getDefaultInstance(), ValueReplies.CHUNK,
            values::batchGet),
        unary("BatchExists", BatchExistsRequest.getDefaultInstance(), (c, r) -> keys.batchExists(r)),
        unary("Remove", RemoveRequest.getDefaultInstance(), (c, r) -> keys.remove(r)),
        unary("BatchRemove", BatchRemoveRequest.getDefaultInstance(), (c, r) -> keys.batchRemove(r)),
        unary("RemoveAll", RemoveAllRequest.getDefaultInstance(), (c, r) -> keys.removeAll(r)),
        unary("RemoveByRegex", RemoveByRegexRequest.getDefaultInstance(), (c, r) -> keys.removeByRegex(r)),
        unary("PutStart", PutStartRequest.getDefaultInstance(), twoPhase::putStart),
        unary("WriteSlice", WriteSliceRequest.getDefaultInstance(), twoPhase::writeSlice),
        unary("PutEnd", PutEndRequest.getDefaultInstance(), twoPhase::putEnd),
        unary("PutRevoke", PutRevokeRequest.getDefaultInstance(), twoPhase::putRevoke),
        unary("GetReplicaList", GetReplicaListRequest.getDefaultInstance(), (c, r) -> twoPhase.getReplicaList(r)),
        new GrpcMethod.Unary<>("ReadSlice", ReadSliceRequest.getDefaultInstance(), ValueReplies.SLICE,
            (c, r) -> twoPhase.readSlice(r)),
        unary("CopyStart", CopyStartRequest.getDefaultInstance(), twoPhase::copyStart),
        unary("MoveStart", MoveStartRequest.getDefaultInstance(), twoPhase::moveStart),
        unary("CopyEnd", ReplicationKey.getDefaultInstance(),
            (c, r) -> twoPhase.finishReplication("copy_end", ReplicationKind.COPY, true, c, r)),
        unary("CopyRevoke", ReplicationKey.getDefaultInstance(),
            (c, r) -> twoPhase.finishReplication("copy_revoke", ReplicationKind.COPY, false, c, r)),
        unary("MoveEnd", ReplicationKey.getDefaultInstance(),
            (c, r) -> twoPhase.finishReplication("move_end", ReplicationKind.MOVE, true, c, r)),
        unary("MoveRevoke", ReplicationKey.getDefaultInstance(),
            (c, r) -> twoPhase.finishReplication("move_revoke", ReplicationKind.MOVE, false, c, r)),
        unary("CreateCopyTask", CreateCopyTaskRequest.getDefaultInstance(), (c, r) -> replication.createCopyTask(r)),
        unary("CreateMoveTask", CreateMoveTaskRequest.getDefaultInstance(), (c, r) -> replication.createMoveTask(r)),
        unary("QueryTask", QueryTaskRequest.getDefaultInstance(), (c, r) -> replication.queryTask(r)),
        unary("RegisterBuffer", RegisterBufferRequest.getDefaultInstance(), sameHost::register),
        unary("UnregisterBuffer", UnregisterBufferRequest.getDefaultInstance(), sameHost::unregister),
        unary("BatchPutFrom", BatchPutFromRequest.getDefaultInstance(), sameHost::batchPutFrom),
        unary("BatchGetInto", BatchGetIntoRequest.getDefaultInstance(), sameHost::batchGetInto)));
  }

  private static <Q extends Message, R extends Message> GrpcMethod<Q, R> unary(
      String name, Q prototype, GrpcMethod.Unary.Handler<Q, R> handler) {
    return new GrpcMethod.Unary<>(name, prototype, ResponseEncoder.protobuf(), handler);
  }
}
