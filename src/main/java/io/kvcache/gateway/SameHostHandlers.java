package io.kvcache.gateway;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.kvcache.gateway.grpc.CallContext;
import io.kvcache.metadata.KeyReplicas;
import io.kvcache.metadata.Metadata;
import io.kvcache.metadata.ObjectKey;
import io.kvcache.proto.v1.BatchGetIntoReply;
import io.kvcache.proto.v1.BatchGetIntoRequest;
import io.kvcache.proto.v1.BatchPutFromReply;
import io.kvcache.proto.v1.BatchPutFromRequest;
import io.kvcache.proto.v1.BufferRange;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.RegisterBufferReply;
import io.kvcache.proto.v1.RegisterBufferRequest;
import io.kvcache.proto.v1.UnregisterBufferReply;
import io.kvcache.proto.v1.UnregisterBufferRequest;
import io.kvcache.replica.KeyCodec;
import io.kvcache.storage.DataTransfer;
import io.kvcache.storage.DataTransfer.TransferException;
import io.kvcache.util.Result;
import io.vertx.core.Future;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.StatusException;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The same-host data path: RegisterBuffer / UnregisterBuffer ({@link SharedBuffers}) and BatchPutFrom / BatchGetInto,
 * which copy values between a client's registered buffer and the segments directly (a local segment by one memory copy,
 * another node's through the node-to-node read) — no value byte travels in a message. Every range is checked by
 * {@link RangeCheck} before any arithmetic or copy; a bad range is INVALID_PARAMS for its key and nothing is written
 * anywhere. An id that is not a buffer of the calling connection (unknown, another connection's, unregistered) is
 * ILLEGAL_CLIENT for every key. The buffer is held from the check to the end of the last copy, whatever fails on the
 * way, so an unregistration or a closing connection unmaps it only after that. A client that shrinks its file under a
 * registration makes the copies fault; they fail their key (TRANSFER_FAIL) and nothing else.
 *
 * <p>Not thread-safe: one per gateway verticle.
 */
final class SameHostHandlers {
  private final GatewayOptions options;
  private final SharedBuffers buffers;
  private final Metadata metadata;
  private final PutFlow puts;
  private final ReadFlow reads;
  private final DataTransfer data;
  private final GatewayMetrics metrics;

  SameHostHandlers(GatewayOptions options, SharedBuffers buffers, Metadata metadata, PutFlow puts, ReadFlow reads,
                   DataTransfer data, GatewayMetrics metrics) {
    this.options = options;
    this.buffers = buffers;
    this.metadata = metadata;
    this.puts = puts;
    this.reads = reads;
    this.data = data;
    this.metrics = metrics;
  }

  Future<RegisterBufferReply> register(CallContext call, RegisterBufferRequest r) {
    return buffers.register(call.connection(), r.getPath(), r.getSize()).map(registration -> {
      metrics.record("register_buffer", 1, registration.code() == ErrorCode.OK ? 0 : 1);
      return RegisterBufferReply.newBuilder().setCode(registration.code()).setBufferId(registration.bufferId())
          .setMessage(registration.message()).build();
    });
  }

  Future<UnregisterBufferReply> unregister(CallContext call, UnregisterBufferRequest r) {
    return Future.succeededFuture(UnregisterBufferReply.newBuilder()
        .setCode(buffers.unregister(call.connection(), r.getBufferId())).build());
  }

  private void checkBatch(int items) {
    if (items > options.maxBatchSize()) {
      throw new StatusException(GrpcStatus.INVALID_ARGUMENT,
          "batch of " + items + " keys exceeds max_batch_size " + options.maxBatchSize());
    }
  }

  /** Whether the item's key and range are usable ({@code minLength}: 1 for puts, 0 for gets). */
  private boolean valid(String namespace, BufferRange item, long bufferSize, long minLength) {
    return KeyCodec.validate(namespace, item.getKey(), options.maxKeySize()) == null
        && RangeCheck.fits(item.getOffset(), item.getLength(), minLength, options.maxValueSize(), bufferSize);
  }

  Future<BatchPutFromReply> batchPutFrom(CallContext call, BatchPutFromRequest r) {
    checkBatch(r.getItemsCount());
    ErrorCode[] codes = new ErrorCode[r.getItemsCount()];
    Result<SharedBuffer> acquired = buffers.acquire(call.connection(), r.getBufferId());
    if (!acquired.isOk()) {
      Arrays.fill(codes, acquired.code());
      return Future.succeededFuture(putReply(codes, 0));
    }
    SharedBuffer buffer = acquired.value();
    Future<BatchPutFromReply> reply;
    try {
      reply = putFrom(call, r, buffer, codes);
    } catch (RuntimeException e) {
      reply = Future.failedFuture(e);
    }
    return reply.andThen(ignored -> buffer.release());
  }

  private Future<BatchPutFromReply> putFrom(CallContext call, BatchPutFromRequest r, SharedBuffer buffer,
                                            ErrorCode[] codes) {
    List<ObjectKey> keys = new ArrayList<>();
    List<ByteString> values = new ArrayList<>();
    List<Integer> at = new ArrayList<>();
    for (int i = 0; i < codes.length; i++) {
      BufferRange item = r.getItems(i);
      if (!valid(r.getNamespace(), item, buffer.size(), 1)) {
        codes[i] = ErrorCode.INVALID_PARAMS;
        continue;
      }
      keys.add(ObjectKey.of(r.getNamespace(), item.getKey()));
      // A view of the client's memory: the put copies it once, straight into each replica's segment.
      values.add(UnsafeByteOperations.unsafeWrap(buffer.memory().asSlice(item.getOffset(), item.getLength())
          .asByteBuffer()));
      at.add(i);
    }
    if (keys.isEmpty()) {
      return Future.succeededFuture(putReply(codes, 0));
    }
    return puts.put(call.client(), keys, values, r.getConfig()).map(stored -> {
      long bytes = 0;
      for (int j = 0; j < at.size(); j++) {
        codes[at.get(j)] = stored[j];
        bytes += stored[j] == ErrorCode.OK ? values.get(j).size() : 0;
      }
      return putReply(codes, bytes);
    });
  }

  private BatchPutFromReply putReply(ErrorCode[] codes, long bytes) {
    int stored = 0;
    for (ErrorCode c : codes) {
      stored += c == ErrorCode.OK ? 1 : 0;
    }
    metrics.record("batch_put_from", codes.length, codes.length - stored);
    metrics.bytesIn.increment(bytes);
    return BatchPutFromReply.newBuilder().addAllCodes(List.of(codes)).setStored(stored).build();
  }

  Future<BatchGetIntoReply> batchGetInto(CallContext call, BatchGetIntoRequest r) {
    checkBatch(r.getItemsCount());
    ErrorCode[] codes = new ErrorCode[r.getItemsCount()];
    long[] lengths = new long[codes.length];
    Result<SharedBuffer> acquired = buffers.acquire(call.connection(), r.getBufferId());
    if (!acquired.isOk()) {
      Arrays.fill(codes, acquired.code());
      return Future.succeededFuture(getReply(codes, lengths, 0));
    }
    SharedBuffer buffer = acquired.value();
    Future<BatchGetIntoReply> reply;
    try {
      reply = getInto(r, buffer, codes, lengths);
    } catch (RuntimeException e) {
      reply = Future.failedFuture(e);
    }
    return reply.andThen(ignored -> buffer.release());
  }

  private Future<BatchGetIntoReply> getInto(BatchGetIntoRequest r, SharedBuffer buffer, ErrorCode[] codes,
                                            long[] lengths) {
    List<ObjectKey> keys = new ArrayList<>();
    List<Integer> at = new ArrayList<>();
    for (int i = 0; i < codes.length; i++) {
      if (valid(r.getNamespace(), r.getItems(i), buffer.size(), 0)) {
        keys.add(ObjectKey.of(r.getNamespace(), r.getItems(i).getKey()));
        at.add(i);
      } else {
        codes[i] = ErrorCode.INVALID_PARAMS;
      }
    }
    if (keys.isEmpty()) {
      return Future.succeededFuture(getReply(codes, lengths, 0));
    }
    long leaseStart = reads.clock().nowMs();
    return metadata.replicas(keys).compose(lists -> {
      List<Future<Void>> copies = new ArrayList<>();
      for (int j = 0; j < lists.size(); j++) {
        int i = at.get(j);
        KeyReplicas listed = lists.get(j);
        BufferRange item = r.getItems(i);
        if (!listed.isOk()) {
          codes[i] = listed.code();
        } else if (listed.size() > item.getLength()) {
          codes[i] = ErrorCode.BUFFER_OVERFLOW; // nothing is written: the value does not fit the room given
          lengths[i] = listed.size();
        } else {
          copies.add(copyInto(listed, keys.get(j), buffer, item.getOffset()).transform(done -> {
            codes[i] = done.failed() ? DataTransfer.codeOf(done.cause())
                : reads.clock().nowMs() - leaseStart < lists.leaseTtlMs() ? ErrorCode.OK : ErrorCode.LEASE_EXPIRED;
            lengths[i] = codes[i] == ErrorCode.OK ? listed.size() : 0;
            return Future.<Void>succeededFuture();
          }));
        }
      }
      return Future.join(copies).transform(ignored -> Future.succeededFuture(getReply(codes, lengths,
          lists.leaseTtlMs())));
    });
  }

  /**
   * One value into the client's buffer at {@code offset} (its range already checked): from a memory replica directly
   * (the next one if one cannot be read), else from the SSD through a load buffer. Never throws: a failure (a fault on
   * a shrunk file too) fails the future.
   */
  private Future<Void> copyInto(KeyReplicas listed, ObjectKey key, SharedBuffer buffer, long offset) {
    try {
      MemorySegment target = buffer.memory().asSlice(offset, listed.size());
      return reads.fromFirstReadable(listed, memory -> data.readInto(memory, 0, target),
          disk -> reads.ssd().readOne(disk.nodeId(), key.encoded(), listed.size()).map(bytes -> {
            try {
              MemorySegment.copy(MemorySegment.ofBuffer(bytes.nioBuffer()), 0, target, 0, target.byteSize());
              reads.servedFromSsd(key.encoded(), bytes);
            } finally {
              bytes.release();
            }
            return null;
          }));
    } catch (RuntimeException | InternalError fault) { // InternalError: the client's file shrank under the mapping
      return Future.failedFuture(new TransferException(ErrorCode.TRANSFER_FAIL, "copy into the shared buffer failed"));
    }
  }

  private BatchGetIntoReply getReply(ErrorCode[] codes, long[] lengths, long leaseTtlMs) {
    BatchGetIntoReply.Builder reply = BatchGetIntoReply.newBuilder().setLeaseTtlMs(leaseTtlMs);
    int failed = 0;
    long bytes = 0;
    for (int i = 0; i < codes.length; i++) {
      reply.addCodes(codes[i]).addLengths(lengths[i]);
      failed += codes[i] == ErrorCode.OK ? 0 : 1;
      bytes += codes[i] == ErrorCode.OK ? lengths[i] : 0;
    }
    metrics.record("batch_get_into", codes.length, failed);
    metrics.bytesOut.increment(bytes);
    return reply.build();
  }
}
