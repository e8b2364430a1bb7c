package io.kvcache.storage;

import io.kvcache.ssd.bucket.BucketFileLayout;
import io.kvcache.ssd.bucket.BucketStore;
import io.kvcache.ssd.bucket.KeyResult;
import io.kvcache.ssd.bucket.LoadItem;
import io.kvcache.ssd.bucket.LoadResult;
import io.kvcache.ssd.bucket.ScanPage;
import io.kvcache.ssd.bucket.SsdKey;
import io.kvcache.ssd.bucket.StoreItem;
import io.kvcache.ssd.bucket.StoreOutcome;
import io.kvcache.ssd.bucket.StoreResult;
import io.kvcache.ssd.bucket.StoredObject;
import io.kvcache.ssd.io.DirectFile;
import io.kvcache.ssd.load.LoadService;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.kvcache.proto.bus.SsdEvictReply;
import io.kvcache.proto.bus.SsdLoadToBuffers;
import io.kvcache.proto.bus.SsdLoadedBatch;
import io.kvcache.proto.bus.SsdReleaseBuffers;
import io.kvcache.proto.bus.SsdReleaseReply;
import io.kvcache.proto.bus.SsdEvictRequest;
import io.kvcache.proto.bus.SsdKeyResult;
import io.kvcache.proto.bus.SsdLoadReply;
import io.kvcache.proto.bus.SsdLoadRequest;
import io.kvcache.proto.bus.SsdLoadResult;
import io.kvcache.proto.bus.SsdObject;
import io.kvcache.proto.bus.SsdQueryReply;
import io.kvcache.proto.bus.SsdQueryRequest;
import io.kvcache.proto.bus.SsdScanReply;
import io.kvcache.proto.bus.SsdScanRequest;
import io.kvcache.proto.bus.SsdStoreReply;
import io.kvcache.proto.bus.SsdStoreRequest;
import io.kvcache.proto.bus.SsdStoreResult;
import io.kvcache.proto.bus.SsdStoredObject;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.util.Result;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The SSD node's request handling behind {@code SsdIoVerticle}: turns the {@code kvstore.bus.Ssd*} messages into
 * {@link BucketStore} calls and the results back into replies. Blocking: call it from a worker thread only (the
 * engine refuses event-loop threads).
 *
 * <p>Thread-safe (the store is). It does not own the store or the engine.
 */
public final class SsdService {
  private final BucketStore store;
  private final String engineName;
  private final LoadService loads;
  private final String dataName;

  public SsdService(BucketStore store, String engineName) {
    this(store, engineName, null, "");
  }

  /**
   * With {@code loads}, the service also answers the load-buffer protocol ({@link LoadService}); a reader on another
   * node takes the loaded bytes over the node's data connection, which it authenticates for {@code dataName}.
   */
  public SsdService(BucketStore store, String engineName, LoadService loads, String dataName) {
    this.store = store;
    this.engineName = engineName;
    this.loads = loads;
    this.dataName = dataName;
  }

  public BucketStore store() {
    return store;
  }

  /**
   * Handles one request message and returns its reply.
   * @throws IllegalArgumentException for a message type this service does not handle or a request malformed as a whole
   */
  public Message handle(Message request) {
    return switch (request) {
      case SsdStoreRequest r -> store(r);
      case SsdLoadRequest r -> load(r);
      case SsdEvictRequest r -> evict(r);
      case SsdScanRequest r -> scan(r);
      case SsdQueryRequest r -> query(r);
      case SsdLoadToBuffers r when loads != null -> loadToBuffers(r);
      case SsdReleaseBuffers r when loads != null ->
          SsdReleaseReply.newBuilder().setCode(loads.release(r.getBatchId(), r.getOwner())).build();
      default -> throw new IllegalArgumentException("SSD service does not handle " + request.getClass().getName());
    };
  }

  private SsdLoadedBatch loadToBuffers(SsdLoadToBuffers r) {
    long[] sizes = r.getSizesList().stream().mapToLong(Long::longValue).toArray();
    Result<LoadService.LoadedBatch> loaded = loads.load(r.getOwner(), r.getKeysList().stream().map(SsdService::key)
        .toList(), sizes);
    if (!loaded.isOk()) {
      return SsdLoadedBatch.newBuilder().setCode(loaded.code()).build();
    }
    SsdLoadedBatch.Builder reply = SsdLoadedBatch.newBuilder().setCode(ErrorCode.OK)
        .setBatchId(loaded.value().batchId()).setGcTtlMs(loaded.value().gcTtlMs()).setDataName(dataName);
    for (int i = 0; i < loaded.value().codes().size(); i++) {
      reply.addResults(SsdKeyResult.newBuilder().setKey(r.getKeys(i)).setCode(loaded.value().codes().get(i)));
    }
    return reply.build();
  }

  public SsdStoreReply store(SsdStoreRequest request) {
    List<StoreItem> items = new ArrayList<>(request.getObjectsCount());
    for (SsdObject object : request.getObjectsList()) {
      // Wraps the message's bytes without copying; the store copies them into its aligned staging buffer.
      items.add(new StoreItem(key(object.getKey()), MemorySegment.ofBuffer(object.getValue().asReadOnlyByteBuffer())));
    }
    StoreOutcome outcome = store.store(items);
    SsdStoreReply.Builder reply = SsdStoreReply.newBuilder();
    for (StoreResult r : outcome.results()) {
      SsdStoreResult.Builder result = SsdStoreResult.newBuilder().setKey(bytes(r.key())).setCode(r.code())
          .setMessage(r.message());
      if (r.isOk()) {
        result.setBucketId(r.bucketId()).setOffset(r.offset()).setSize(r.size());
      }
      reply.addResults(result);
    }
    outcome.evictedKeys().forEach(k -> reply.addEvictedKeys(bytes(k)));
    return reply.build();
  }

  public SsdLoadReply load(SsdLoadRequest request) {
    List<SsdKey> keys = request.getKeysList().stream().map(SsdService::key).toList();
    SsdLoadResult[] results = new SsdLoadResult[keys.size()];
    List<LoadItem> loads = new ArrayList<>();
    List<Integer> positions = new ArrayList<>();
    try (Arena arena = Arena.ofConfined()) {
      for (int i = 0; i < keys.size(); i++) {
        long size = store.sizeOf(keys.get(i));
        if (size < 0) {
          results[i] = loadFailure(keys.get(i), ErrorCode.OBJECT_NOT_FOUND, "not on this SSD");
          continue;
        }
        // Aligned and padded, so the object is read straight in (see LoadItem).
        MemorySegment dst = arena.allocate(Math.max(BucketFileLayout.align(size), DirectFile.ALIGNMENT),
            DirectFile.ALIGNMENT);
        loads.add(new LoadItem(keys.get(i), dst));
        positions.add(i);
      }
      List<LoadResult> loaded = store.load(loads);
      for (int k = 0; k < loaded.size(); k++) {
        LoadResult r = loaded.get(k);
        results[positions.get(k)] = r.isOk()
            ? SsdLoadResult.newBuilder().setKey(bytes(r.key())).setCode(ErrorCode.OK)
                .setValue(ByteString.copyFrom(loads.get(k).dst().asSlice(0, r.size()).asByteBuffer())).build()
            : loadFailure(r.key(), r.code(), r.message());
      }
    }
    return SsdLoadReply.newBuilder().addAllResults(List.of(results)).build();
  }

  private static SsdLoadResult loadFailure(SsdKey key, ErrorCode code, String message) {
    return SsdLoadResult.newBuilder().setKey(bytes(key)).setCode(code).setMessage(message).build();
  }

  public SsdEvictReply evict(SsdEvictRequest request) {
    List<KeyResult> results = store.evict(request.getKeysList().stream().map(SsdService::key).toList());
    SsdEvictReply.Builder reply = SsdEvictReply.newBuilder();
    for (KeyResult r : results) {
      reply.addResults(SsdKeyResult.newBuilder().setKey(bytes(r.key())).setCode(r.code()).setMessage(r.message()));
    }
    return reply.build();
  }

  public SsdScanReply scan(SsdScanRequest request) {
    if (request.getMaxObjects() < 1) {
      throw new IllegalArgumentException("SsdScanRequest.max_objects must be >= 1");
    }
    ScanPage page = store.scan(request.getAfterBucketId(), request.getMaxObjects());
    SsdScanReply.Builder reply = SsdScanReply.newBuilder().setLastBucketId(page.lastBucketId()).setDone(page.done());
    for (StoredObject o : page.objects()) {
      reply.addObjects(SsdStoredObject.newBuilder().setKey(bytes(o.key())).setSize(o.size()));
    }
    return reply.build();
  }

  public SsdQueryReply query(SsdQueryRequest request) {
    SsdQueryReply.Builder reply = SsdQueryReply.newBuilder().setCapacityBytes(store.capacityBytes())
        .setUsedBytes(store.usedBytes()).setObjectCount(store.objectCount()).setBucketCount(store.bucketCount())
        .setEngine(engineName);
    request.getKeysList().forEach(k -> reply.addSizes(store.sizeOf(key(k))));
    return reply.build();
  }

  private static SsdKey key(ByteString bytes) {
    return SsdKey.of(bytes.toByteArray());
  }

  private static ByteString bytes(SsdKey key) {
    return ByteString.copyFrom(key.bytes());
  }
}
