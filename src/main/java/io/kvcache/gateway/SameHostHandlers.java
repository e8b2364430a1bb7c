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
 * which copy values between a client's registered buffer and the segments directly (a local segment by one memory copy)
 * — no value byte travels in a message. Every range is checked before any arithmetic or copy: {@code offset >= 0},
 * {@code length >= 0} (at least 1 for a put), {@code length <= max_value_size}, {@code offset <= size - length}; a bad
 * range is INVALID_PARAMS for its key and nothing is written anywhere. An id that is not a buffer of the calling
 * connection (unknown, another connection's, unregistered) is ILLEGAL_CLIENT for every key.
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

  /** Why an item's range cannot be used, or null. {@code minLength} is 1 for puts (a value is never empty), 0 for gets. */
  private String badRange(BufferRange item, long bufferSize, long minLength) {
    long offset = item.getOffset();
    long length = item.getLength();
    if (offset < 0 || length < minLength || length > options.maxValueSize() || offset > bufferSize - length) {
      return "range [" + offset + ", +" + length + ") does not fit a buffer of " + bufferSize + " bytes";
    }
    return null;
  }

  private void checkBatch(int items) {
    if (items > options.maxBatchSize()) {
      throw new StatusException(GrpcStatus.INVALID_ARGUMENT,
          "batch of " + items + " keys exceeds max_batch_size " + options.maxBatchSize());
    }
  }

  Future<BatchPutFromReply> batchPutFrom(CallContext call, BatchPutFromRequest r) {
    checkBatch(r.getItemsCount());
    ErrorCode[] codes = new ErrorCode[r.getItemsCount()];
    Result<SharedBuffer> acquired = buffers.acquire(call.connection(), r.getBufferId());
    if (!acquired.isOk()) {
      Arrays.fill(codes, acquired.code());
      return Future.succeededFuture(putReply("batch_put_from", codes));
    }
    SharedBuffer buffer = acquired.value();
    List<ObjectKey> keys = new ArrayList<>();
    List<ByteString> values = new ArrayList<>();
    List<Integer> at = new ArrayList<>();
    for (int i = 0; i < codes.length; i++) {
      BufferRange item = r.getItems(i);
      if (KeyCodec.validate(r.getNamespace(), item.getKey(), options.maxKeySize()) != null
          || badRange(item, buffer.size(), 1) != null) {
        codes[i] = ErrorCode.INVALID_PARAMS;
        continue;
      }
      keys.add(ObjectKey.of(r.getNamespace(), item.getKey()));
      // A view of the client's memory: the put copies it once, straight into each replica's segment.
      values.add(UnsafeByteOperations.unsafeWrap(buffer.memory().asSlice(item.getOffset(), item.getLength())
          .asByteBuffer()));
      at.add(i);
    }
    Future<ErrorCode[]> stored = keys.isEmpty() ? Future.succeededFuture(new ErrorCode[0])
        : puts.put(call.client(), keys, values, r.getConfig());
    return stored.transform(ar -> {
      buffer.release();
      for (int j = 0; j < at.size(); j++) {
        codes[at.get(j)] = ar.succeeded() ? ar.result()[j] : ErrorCode.INTERNAL_ERROR;
      }
      long bytes = 0;
      for (int j = 0; j < at.size(); j++) {
        bytes += codes[at.get(j)] == ErrorCode.OK ? values.get(j).size() : 0;
      }
      metrics.bytesIn.increment(bytes);
      return Future.succeededFuture(putReply("batch_put_from", codes));
    });
  }

  private BatchPutFromReply putReply(String op, ErrorCode[] codes) {
    int stored = 0;
    for (ErrorCode c : codes) {
      stored += c == ErrorCode.OK ? 1 : 0;
    }
    metrics.record(op, codes.length, codes.length - stored);
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
    List<ObjectKey> keys = new ArrayList<>();
    List<Integer> at = new ArrayList<>();
    for (int i = 0; i < codes.length; i++) {
      BufferRange item = r.getItems(i);
      if (KeyCodec.validate(r.getNamespace(), item.getKey(), options.maxKeySize()) != null
          || badRange(item, buffer.size(), 0) != null) {
        codes[i] = ErrorCode.INVALID_PARAMS;
      } else {
        keys.add(ObjectKey.of(r.getNamespace(), item.getKey()));
        at.add(i);
      }
    }
    if (keys.isEmpty()) {
      buffer.release();
      return Future.succeededFuture(getReply(codes, lengths, 0));
    }
    long start = reads.clock().nowMs();
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
          MemorySegment target = buffer.memory().asSlice(item.getOffset(), listed.size());
          copies.add(copyInto(listed, keys.get(j), target).transform(done -> {
            boolean inTime = reads.clock().nowMs() - start < lists.leaseTtlMs();
            codes[i] = done.failed() ? DataTransfer.codeOf(done.cause())
                : inTime ? ErrorCode.OK : ErrorCode.LEASE_EXPIRED;
            lengths[i] = codes[i] == ErrorCode.OK ? listed.size() : 0;
            return Future.<Void>succeededFuture();
          }));
        }
      }
      return Future.join(copies).transform(ignored -> {
        buffer.release();
        return Future.succeededFuture(getReply(codes, lengths, lists.leaseTtlMs()));
      });
    }, failure -> {
      buffer.release();
      return Future.failedFuture(failure);
    });
  }

  /**
   * One value into the client's buffer: from a memory replica directly (the next one if one cannot be read), else from
   * the SSD through a load buffer.
   */
  private Future<Void> copyInto(KeyReplicas listed, ObjectKey key, MemorySegment target) {
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
