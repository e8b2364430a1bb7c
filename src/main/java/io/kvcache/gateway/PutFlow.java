package io.kvcache.gateway;

import com.google.protobuf.ByteString;
import io.kvcache.metadata.KeyReplicas;
import io.kvcache.metadata.Metadata;
import io.kvcache.metadata.ObjectKey;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.ReplicateConfig;
import io.kvcache.storage.DataTransfer;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.List;

/**
 * Stores values end to end: PutStart on the shards, the bytes into every replica, then PutEnd — or PutRevoke for keys
 * whose transfer failed, so a failed transfer never reports success and never leaves a half-written value readable.
 * The two halves are separate for callers that publish several batches together or none of them (a BatchPut stream):
 * {@link #stage} leaves the written keys PROCESSING, {@link #publish} or {@link #revoke} ends them.
 *
 * <p>Not thread-safe: one per gateway verticle.
 */
final class PutFlow {
  private final Metadata metadata;
  private final DataTransfer data;
  private final int fullRetries;

  PutFlow(Metadata metadata, DataTransfer data, int fullRetries) {
    this.metadata = metadata;
    this.data = data;
    this.fullRetries = fullRetries;
  }

  /** One code per key, in order. Keys must be valid; empty values are refused per key by the caller. */
  Future<ErrorCode[]> put(long writer, List<ObjectKey> keys, List<ByteString> values, ReplicateConfig config) {
    return stage(writer, keys, values, config).compose(staged -> publish(writer, staged.keys()).map(published -> {
      for (int j = 0; j < published.length; j++) {
        staged.codes()[staged.positions()[j]] = published[j];
      }
      return staged.codes();
    }));
  }

  /**
   * The values written into reserved replicas, not yet readable: what {@link #stage} leaves for {@link #publish} (or
   * {@link #revoke}). {@code codes} holds one code per key of the call — OK for the staged ones so far.
   */
  record Staged(List<ObjectKey> keys, int[] positions, ErrorCode[] codes) {}

  /**
   * PutStart, then the bytes into every replica; keys whose transfer failed are revoked at once (never readable), the
   * others stay PROCESSING until {@link #publish} or {@link #revoke}.
   */
  Future<Staged> stage(long writer, List<ObjectKey> keys, List<ByteString> values, ReplicateConfig config) {
    long[] sizes = new long[keys.size()];
    for (int i = 0; i < sizes.length; i++) {
      sizes[i] = values.get(i).size();
    }
    return reserve(writer, keys, sizes, config, fullRetries).compose(started -> {
      ErrorCode[] codes = new ErrorCode[keys.size()];
      boolean[] reserved = new boolean[codes.length];
      List<Future<Void>> transfers = new ArrayList<>();
      for (int i = 0; i < codes.length; i++) {
        codes[i] = started[i].code();
        reserved[i] = started[i].isOk();
        if (reserved[i]) {
          int index = i;
          transfers.add(data.writeAll(started[i].replicas(), 0, values.get(i))
              .onFailure(failure -> codes[index] = DataTransfer.codeOf(failure)));
        }
      }
      return Future.join(transfers).transform(ignored -> {
        List<ObjectKey> staged = new ArrayList<>();
        List<ObjectKey> failed = new ArrayList<>();
        int[] positions = new int[codes.length];
        for (int i = 0; i < codes.length; i++) {
          if (reserved[i] && codes[i] == ErrorCode.OK) {
            positions[staged.size()] = i;
            staged.add(keys.get(i));
          } else if (reserved[i]) {
            failed.add(keys.get(i));
          }
        }
        Staged result = new Staged(staged, java.util.Arrays.copyOf(positions, staged.size()), codes);
        return revoke(writer, failed).transform(revoked -> Future.succeededFuture(result));
      });
    });
  }

  /**
   * PutEnd for {@code keys} (staged ones): they become readable. One code per key; INTERNAL_ERROR if PutEnd failed,
   * TRANSFER_FAIL for a key whose reservation vanished before its end.
   */
  Future<ErrorCode[]> publish(long writer, List<ObjectKey> keys) {
    if (keys.isEmpty()) {
      return Future.succeededFuture(new ErrorCode[0]);
    }
    return metadata.putEnd(writer, keys).transform(ar -> {
      if (ar.succeeded()) {
        ErrorCode[] codes = ar.result();
        for (int j = 0; j < codes.length; j++) {
          // The put's own object vanished between its start and its end: its target node left (the object went with
          // its segment) or the master changed. That is a failed put, not an absent object.
          codes[j] = codes[j] == ErrorCode.OBJECT_NOT_FOUND ? ErrorCode.TRANSFER_FAIL : codes[j];
        }
        return Future.succeededFuture(codes);
      }
      ErrorCode[] failed = new ErrorCode[keys.size()];
      java.util.Arrays.fill(failed, ErrorCode.INTERNAL_ERROR);
      return Future.succeededFuture(failed);
    });
  }

  /** PutRevoke: the keys' reservations and bytes are dropped, never readable. */
  Future<Void> revoke(long writer, List<ObjectKey> keys) {
    return keys.isEmpty() ? Future.succeededFuture() : metadata.putRevoke(writer, keys).mapEmpty();
  }

  /**
   * PutStart; keys that found no space wait for one eviction round and are retried if it freed something, at most
   * {@code retriesLeft} times — so a full store answers NO_AVAILABLE_HANDLE promptly instead of spinning.
   */
  private Future<KeyReplicas[]> reserve(long writer, List<ObjectKey> keys, long[] sizes, ReplicateConfig config,
                                        int retriesLeft) {
    return metadata.putStart(writer, keys, sizes, config).compose(started -> {
      List<Integer> full = new ArrayList<>();
      for (int i = 0; i < started.length; i++) {
        if (started[i].code() == ErrorCode.NO_AVAILABLE_HANDLE) {
          full.add(i);
        }
      }
      if (full.isEmpty() || retriesLeft == 0) {
        return Future.succeededFuture(started);
      }
      return metadata.evictNow().compose(freed -> {
        if (!freed) {
          return Future.succeededFuture(started);
        }
        List<ObjectKey> retryKeys = new ArrayList<>();
        long[] retrySizes = new long[full.size()];
        for (int j = 0; j < full.size(); j++) {
          retryKeys.add(keys.get(full.get(j)));
          retrySizes[j] = sizes[full.get(j)];
        }
        return reserve(writer, retryKeys, retrySizes, config, retriesLeft - 1).map(retried -> {
          for (int j = 0; j < full.size(); j++) {
            started[full.get(j)] = retried[j];
          }
          return started;
        });
      });
    });
  }
}
