package io.kvcache.ssd;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.kvcache.proto.bus.SsdBufferBytes;
import io.kvcache.proto.bus.SsdKeyResult;
import io.kvcache.proto.bus.SsdLoadToBuffers;
import io.kvcache.proto.bus.SsdLoadedBatch;
import io.kvcache.proto.bus.SsdReadBuffer;
import io.kvcache.proto.bus.SsdReleaseBuffers;
import io.kvcache.proto.bus.SsdReleaseReply;
import io.kvcache.proto.v1.ErrorCode;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Read-back through the load buffers: a batch of objects is read (one batch read, straight into page-aligned slots of
 * the registered region, so READ_FIXED) into a batch owned by the requester; the requester takes the bytes and releases
 * the batch at once, or the GC lease reclaims it. Only the owner may read or release a batch.
 *
 * <p>Thread-safe (the buffers and the store are). Loads do file I/O: call them on SSD worker threads only.
 */
public final class LoadService {
  private final BucketStore store;
  private final LoadBuffers buffers;
  private final long gcTtlMs;
  private final LongSupplier nowMs;

  public LoadService(BucketStore store, LoadBuffers buffers, long gcTtlMs, LongSupplier nowMs) {
    this.store = store;
    this.buffers = buffers;
    this.gcTtlMs = gcTtlMs;
    this.nowMs = nowMs;
  }

  public LoadBuffers buffers() {
    return buffers;
  }

  /** Handles a load-buffer message; null if it is not one. */
  public Message handle(Message request) {
    return switch (request) {
      case SsdLoadToBuffers r -> load(r);
      case SsdReadBuffer r -> read(r);
      case SsdReleaseBuffers r -> SsdReleaseReply.newBuilder().setCode(buffers.release(r.getBatchId(), r.getOwner())).build();
      default -> null;
    };
  }

  public SsdLoadedBatch load(SsdLoadToBuffers r) {
    if (r.getKeysCount() != r.getSizesCount() || r.getOwner().isEmpty()) {
      return SsdLoadedBatch.newBuilder().setCode(ErrorCode.INVALID_PARAMS).build();
    }
    long[] sizes = r.getSizesList().stream().mapToLong(Long::longValue).toArray();
    LoadBuffers.Batch batch = buffers.allocate(r.getOwner(), sizes, nowMs.getAsLong());
    if (batch == null) {
      return SsdLoadedBatch.newBuilder().setCode(buffers.lastError()).build();
    }
    List<LoadItem> items = new ArrayList<>(r.getKeysCount());
    for (int i = 0; i < r.getKeysCount(); i++) {
      items.add(new LoadItem(SsdKey.of(r.getKeys(i).toByteArray()), batch.slot(i)));
    }
    List<LoadResult> loaded = store.load(items);
    SsdLoadedBatch.Builder reply = SsdLoadedBatch.newBuilder().setCode(ErrorCode.OK).setBatchId(batch.id())
        .setGcTtlMs(gcTtlMs);
    for (int i = 0; i < loaded.size(); i++) {
      LoadResult result = loaded.get(i);
      ErrorCode code = result.isOk() && result.size() != sizes[i] ? ErrorCode.INVALID_READ : result.code();
      reply.addResults(SsdKeyResult.newBuilder().setKey(r.getKeys(i)).setCode(code).setMessage(result.message()));
    }
    return reply.build();
  }

  /** The bytes of one loaded object, for a remote reader that owns the batch. */
  public SsdBufferBytes read(SsdReadBuffer r) {
    LoadBuffers.Batch batch = buffers.get(r.getBatchId(), r.getOwner());
    if (batch == null || r.getIndex() >= batch.size() || r.getSize() > batch.slot(r.getIndex()).byteSize()) {
      return SsdBufferBytes.newBuilder().setCode(ErrorCode.INVALID_PARAMS).build();
    }
    MemorySegment slot = batch.slot(r.getIndex()).asSlice(0, r.getSize());
    return SsdBufferBytes.newBuilder().setCode(ErrorCode.OK).setValue(ByteString.copyFrom(slot.asByteBuffer())).build();
  }
}
