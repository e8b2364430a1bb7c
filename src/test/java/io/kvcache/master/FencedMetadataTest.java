package io.kvcache.master;

import io.kvcache.metadata.KeyReplicas;
import io.kvcache.metadata.ObjectKey;
import io.kvcache.metadata.Metadata;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.proto.v1.ReplicateConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/** Self-fencing of the master's metadata: nothing is answered by a master whose lease lapsed before or during a call. */
class FencedMetadataTest {
  private static final List<ObjectKey> KEYS = List.of(ObjectKey.of(new byte[] {1, 'k'}));

  /** Counts calls; putStart answers OK at once, putEnd when the test says so; any other call fails the test. */
  private static final class Delegate {
    final AtomicInteger calls = new AtomicInteger();
    final Promise<ErrorCode[]> putEnd = Promise.promise();
    final Metadata metadata = (Metadata) Proxy.newProxyInstance(Metadata.class.getClassLoader(),
        new Class<?>[] {Metadata.class}, (proxy, method, args) -> {
          calls.incrementAndGet();
          return switch (method.getName()) {
            case "putStart" -> Future.succeededFuture(new KeyReplicas[] {new KeyReplicas(ErrorCode.OK, 10, List.of())});
            case "putEnd" -> putEnd.future();
            default -> throw new AssertionError("FencedMetadata made a call the test did not expect: " + method.getName());
          };
        });
  }

  @Test
  void aMasterWithoutAValidLeaseDoesNothingAndSaysSo() {
    Delegate delegate = new Delegate();
    AtomicBoolean serving = new AtomicBoolean(false);
    FencedMetadata fenced = new FencedMetadata(delegate.metadata, serving::get);
    KeyReplicas[] started = fenced.putStart(1, KEYS, new long[] {10}, ReplicateConfig.getDefaultInstance()).result();
    assertEquals(ErrorCode.UNAVAILABLE_IN_CURRENT_MODE, started[0].code());
    assertEquals(0, delegate.calls.get(), "the shards were never touched");
    serving.set(true);
    assertEquals(ErrorCode.OK, fenced.putStart(1, KEYS, new long[] {10}, ReplicateConfig.getDefaultInstance())
        .result()[0].code());
  }

  @Test
  void anAnswerReadyAfterTheLeaseLapsedIsReplacedByARefusal() {
    Delegate delegate = new Delegate();
    AtomicBoolean serving = new AtomicBoolean(true);
    Future<ErrorCode[]> ended = new FencedMetadata(delegate.metadata, serving::get).putEnd(1, KEYS);
    serving.set(false); // e.g. the process was frozen mid-call and woke after its lease ran out
    delegate.putEnd.complete(new ErrorCode[] {ErrorCode.OK});
    assertEquals(ErrorCode.UNAVAILABLE_IN_CURRENT_MODE, ended.result()[0], "no commit acknowledged by a fenced master");
  }
}
