package io.kvcache.ssd.load;

import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.ssd.bucket.BucketStore;
import io.kvcache.ssd.bucket.LoadItem;
import io.kvcache.ssd.bucket.LoadResult;
import io.kvcache.ssd.bucket.SsdKey;
import io.kvcache.util.Result;

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
  /** A loaded batch: its id, how long it lives unreleased, and one code per requested object. */
  public record LoadedBatch(String batchId, long gcTtlMs, List<ErrorCode> codes) {}

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

  /**
   * Loads {@code keys} (with the sizes the master recorded) into one batch owned by {@code owner}. A size that is not
   * positive or exceeds the region, a length mismatch or an empty owner is INVALID_PARAMS before anything is allocated.
   */
  public Result<LoadedBatch> load(String owner, List<SsdKey> keys, long[] sizes) {
    if (keys.size() != sizes.length || owner.isEmpty()) {
      return Result.fail(ErrorCode.INVALID_PARAMS);
    }
    Result<LoadBuffers.Batch> allocated = buffers.allocate(owner, sizes, nowMs.getAsLong());
    if (!allocated.isOk()) {
      return Result.fail(allocated.code());
    }
    LoadBuffers.Batch batch = allocated.value();
    List<LoadItem> items = new ArrayList<>(keys.size());
    for (int i = 0; i < keys.size(); i++) {
      items.add(new LoadItem(keys.get(i), batch.slot(i)));
    }
    List<LoadResult> loaded = store.load(items);
    List<ErrorCode> codes = new ArrayList<>(loaded.size());
    for (int i = 0; i < loaded.size(); i++) {
      LoadResult result = loaded.get(i);
      codes.add(result.isOk() && result.size() != sizes[i] ? ErrorCode.INVALID_READ : result.code());
    }
    return Result.ok(new LoadedBatch(batch.id(), gcTtlMs, codes));
  }

  /** Early release by the batch's owner. */
  public ErrorCode release(String batchId, String owner) {
    return buffers.release(batchId, owner);
  }
}
