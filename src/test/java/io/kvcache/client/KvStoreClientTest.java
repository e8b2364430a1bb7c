package io.kvcache.client;

import io.kvcache.app.Node;
import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.testing.Await;
import io.kvcache.testing.TestNodes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Java client against a real node, over its Unix socket and TCP: values, batches and registered buffers. */
class KvStoreClientTest {
  private static final int PAGE = 64 << 10;
  private static Node node;
  private KvStoreClient unix;
  private KvStoreClient tcp;

  @BeforeAll
  static void startNode() {
    node = TestNodes.start(TestNodes.singleNode("256MiB").put("shm_buffers_per_connection", 4));
  }

  @AfterAll
  static void stopNode() {
    TestNodes.stop(node);
  }

  @BeforeEach
  void open() {
    ClientOptions options = ClientOptions.defaults().withNamespace("java-" + UUID.randomUUID());
    unix = KvStoreClient.open("unix:" + node.options().gateway().unixSocket(), options);
    tcp = KvStoreClient.open(TestNodes.HOST + ":" + node.grpcPort(), options);
    unix.waitReady(Duration.ofSeconds(30)).await();
  }

  @AfterEach
  void close() {
    unix.close();
    tcp.close();
  }

  private static byte[] page(int seed, int size) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  private static double registeredBuffers() {
    return node.meters().find("kvstore_gateway_registered_buffers").gauge().value();
  }

  private static KvStoreException failure(io.vertx.core.Future<?> call) {
    Throwable thrown = assertThrows(Throwable.class, call::await);
    Throwable cause = thrown instanceof CompletionException ? thrown.getCause() : thrown;
    assertTrue(cause instanceof KvStoreException, "not a KvStoreException: " + cause);
    return (KvStoreException) cause;
  }

  @Test
  void valuesRoundTripOnBothTransports() {
    for (KvStoreClient client : List.of(unix, tcp)) {
      String key = "v-" + (client == unix ? "unix" : "tcp");
      byte[] value = page(1, 300_000);
      client.put(key, value).await();
      assertArrayEquals(value, client.get(key).await().orElseThrow());
      assertTrue(client.exists(key).await());
      assertEquals(ErrorCode.OBJECT_ALREADY_EXISTS, failure(client.put(key, value)).code());
      assertEquals(Optional.empty(), client.get(key + "-missing").await());
      assertTrue(client.remove(key, true).await());
      assertFalse(client.remove(key, true).await());
      assertFalse(client.exists(key).await());
    }
    tcp.batchPut(List.of("r1", "r2"), List.of(new byte[] {1}, new byte[] {2})).await();
    assertEquals(List.of(ErrorCode.OK, ErrorCode.OK, ErrorCode.OBJECT_NOT_FOUND),
        unix.batchRemove(List.of("r1", "r2", "r3"), true).await());
    assertEquals(List.of(false, false), tcp.batchExists(List.of("r1", "r2")).await().exists());
  }

  @Test
  void removeAllRemovesTheClientsNamespaceOrEveryNamespace() {
    ClientOptions elsewhere = ClientOptions.defaults().withNamespace("java-other-" + UUID.randomUUID());
    try (KvStoreClient other = KvStoreClient.open(TestNodes.HOST + ":" + node.grpcPort(), elsewhere)) {
      tcp.batchPut(List.of("a1", "a2"), List.of(new byte[] {1}, new byte[] {2})).await();
      other.put("o1", new byte[] {3}).await();
      assertEquals(2L, tcp.removeAll(true).await());
      assertEquals(List.of(false, false), tcp.batchExists(List.of("a1", "a2")).await().exists());
      assertArrayEquals(new byte[] {3}, other.get("o1").await().orElseThrow()); // another namespace is untouched
      assertTrue(unix.removeAllNamespaces(true).await() >= 1);
      assertEquals(Optional.empty(), other.get("o1").await());
    }
  }

  @Test
  void batchesReportEachKey() {
    List<String> keys = new ArrayList<>();
    List<byte[]> values = new ArrayList<>();
    for (int i = 0; i < 12; i++) { // 12 x 1 MiB: several BatchPut chunks
      keys.add("b" + i);
      values.add(page(10 + i, 1 << 20));
    }
    assertEquals(java.util.Collections.nCopies(12, ErrorCode.OK), tcp.batchPut(keys, values).await());
    List<KeyValue> got = unix.batchGet(List.of("b0", "none", "b11")).await();
    assertArrayEquals(values.get(0), got.get(0).value());
    assertEquals(ErrorCode.OBJECT_NOT_FOUND, got.get(1).code());
    assertEquals(0, got.get(1).value().length);
    assertArrayEquals(values.get(11), got.get(2).value());
    Existence found = unix.batchExists(List.of("b0", "b1", "none", "b2")).await();
    assertEquals(List.of(true, true, false, true), found.exists());
    assertEquals(2, found.leadingHits());
  }

  @Test
  void pagesMoveThroughARegisteredBuffer() {
    RegisteredBuffer buffer = unix.registerBuffer(2L * 128 * PAGE).await();
    assertEquals(1.0, registeredBuffers());
    MemorySegment memory = buffer.memory();
    List<BufferRange> puts = new ArrayList<>();
    List<BufferRange> gets = new ArrayList<>();
    for (int i = 0; i < 128; i++) {
      MemorySegment.copy(page(100 + i, PAGE), 0, memory, ValueLayout.JAVA_BYTE, (long) i * PAGE, PAGE);
      puts.add(new BufferRange("page-" + i, (long) i * PAGE, PAGE));
      gets.add(new BufferRange("page-" + i, (long) (255 - i) * PAGE, PAGE));
    }
    assertEquals(java.util.Collections.nCopies(128, ErrorCode.OK), unix.batchPutFrom(buffer, puts).await());
    GetIntoResult got = unix.batchGetInto(buffer, gets).await();
    assertEquals(java.util.Collections.nCopies(128, ErrorCode.OK), got.codes());
    for (int i = 0; i < 128; i++) {
      assertEquals(PAGE, got.lengths()[i]);
      byte[] read = memory.asSlice((long) (255 - i) * PAGE, PAGE).toArray(ValueLayout.JAVA_BYTE);
      assertArrayEquals(page(100 + i, PAGE), read, "page " + i);
    }
    // The message path sees the same bytes.
    assertArrayEquals(page(100, PAGE), tcp.get("page-0").await().orElseThrow());
    // Hits, a miss, a value too large for its room (nothing written), a bad range.
    memory.asSlice(0, 4 * PAGE).fill((byte) 0x11);
    GetIntoResult mixed = unix.batchGetInto(buffer, List.of(new BufferRange("page-1", 0, PAGE),
        new BufferRange("none", PAGE, PAGE), new BufferRange("page-2", 2L * PAGE, PAGE - 1),
        new BufferRange("page-3", -1, PAGE))).await();
    assertEquals(List.of(ErrorCode.OK, ErrorCode.OBJECT_NOT_FOUND, ErrorCode.BUFFER_OVERFLOW, ErrorCode.INVALID_PARAMS),
        mixed.codes());
    assertArrayEquals(new long[] {PAGE, 0, PAGE, 0}, mixed.lengths());
    byte[] untouched = new byte[3 * PAGE];
    Arrays.fill(untouched, (byte) 0x11);
    assertArrayEquals(untouched, memory.asSlice(PAGE, 3L * PAGE).toArray(ValueLayout.JAVA_BYTE));
    unix.unregisterBuffer(buffer).await();
    assertFalse(buffer.isRegistered());
    Await.until("buffer unmapped", Duration.ofSeconds(10), () -> registeredBuffers() == 0);
  }

  @Test
  void badRangesAndForeignOrStaleBuffersChangeNothing() {
    RegisteredBuffer buffer = unix.registerBuffer(1 << 20).await();
    List<BufferRange> bad = List.of(new BufferRange("neg-offset", -1, 10), new BufferRange("neg-length", 0, -1),
        new BufferRange("past-end", 1 << 20, 1), new BufferRange("max", Long.MAX_VALUE, 1),
        new BufferRange("overflow", Long.MAX_VALUE - 5, 16), new BufferRange("huge", 0, Long.MAX_VALUE),
        new BufferRange("empty", 0, 0));
    assertEquals(java.util.Collections.nCopies(bad.size(), ErrorCode.INVALID_PARAMS),
        unix.batchPutFrom(buffer, bad).await());
    assertEquals(java.util.Collections.nCopies(bad.size(), false),
        tcp.batchExists(bad.stream().map(BufferRange::key).toList()).await().exists());

    // Another connection presenting the id: refused as unknown, nothing written.
    ClientOptions options = unix.options();
    try (KvStoreClient other = KvStoreClient.open("unix:" + node.options().gateway().unixSocket(), options)) {
      assertEquals(ErrorCode.ILLEGAL_CLIENT,
          failure(other.batchPutFrom(buffer, List.of(new BufferRange("stolen", 0, 10)))).code());
      assertEquals(ErrorCode.ILLEGAL_CLIENT,
          failure(other.batchGetInto(buffer, List.of(new BufferRange("stolen", 0, 10)))).code());
    }
    assertFalse(tcp.exists("stolen").await());

    // Unregistered, then used.
    unix.unregisterBuffer(buffer).await();
    unix.unregisterBuffer(buffer).await(); // idempotent
    assertEquals(ErrorCode.ILLEGAL_CLIENT,
        failure(unix.batchPutFrom(buffer, List.of(new BufferRange("late", 0, 10)))).code());
    assertFalse(tcp.exists("late").await());
  }

  @Test
  void registrationIsRefusedOverTcpAndBeyondTheCount() throws Exception {
    assertEquals(ErrorCode.ILLEGAL_CLIENT, failure(tcp.registerBuffer(4096)).code());
    List<RegisteredBuffer> held = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      held.add(unix.registerBuffer(4096).await());
    }
    KvStoreException refused = failure(unix.registerBuffer(4096));
    assertEquals(ErrorCode.INVALID_PARAMS, refused.code());
    assertTrue(refused.getMessage().contains("at most 4"), refused.getMessage());
    try (var files = Files.list(Path.of("/dev/shm"))) { // registered or refused, no file is left behind
      assertEquals(List.of(), files.filter(f -> f.getFileName().toString().startsWith("kvstore-java-"
          + ProcessHandle.current().pid() + "-")).toList());
    }
    assertEquals(4.0, registeredBuffers());
    unix.close(); // closing the client unregisters them
    assertTrue(held.stream().noneMatch(RegisteredBuffer::isRegistered));
    Await.until("buffers unmapped", Duration.ofSeconds(10), () -> registeredBuffers() == 0);
  }
}
