package io.kvcache.gateway;

import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.testing.TestNodes;
import io.kvcache.util.Result;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Registration rules, id binding and the unmap-after-last-call lifecycle, on one event loop like a gateway's. */
class SharedBuffersTest {
  private static final int CAP = 4;
  private final int uid = SharedBuffers.processUid();
  private Vertx vertx;
  private Context loop;
  private Path dir;
  private AtomicLong gauge;
  private SharedBuffers buffers;

  @BeforeEach
  void setUp() throws IOException {
    vertx = Vertx.vertx();
    loop = vertx.getOrCreateContext();
    dir = Files.createTempDirectory("kvs-shm").toRealPath();
    gauge = new AtomicLong();
    buffers = new SharedBuffers(vertx, new ShmOptions(dir, 1L << 20, CAP), uid, gauge);
  }

  @AfterEach
  void tearDown() throws IOException {
    TestNodes.close(vertx);
    try (var files = Files.walk(dir)) {
      for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(f);
      }
    }
  }

  /** Runs {@code body} on the loop (SharedBuffers is not thread-safe) and waits for its future. */
  private <T> T onLoop(Supplier<Future<T>> body) {
    Promise<T> done = Promise.promise();
    loop.runOnContext(ignored -> {
      try {
        body.get().onComplete(done);
      } catch (Throwable t) {
        done.fail(t);
      }
    });
    return TestNodes.await(done.future());
  }

  private Path file(String name, long size, String mode) throws IOException {
    Path path = dir.resolve(name);
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      if (size > 0) {
        channel.write(ByteBuffer.wrap(new byte[1]), size - 1);
      }
    }
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
    return path;
  }

  private SharedBuffers.Registration register(FakeConnection connection, String path, long size) {
    return onLoop(() -> buffers.register(connection, path, size));
  }

  private FakeConnection unix() {
    return new FakeConnection(OptionalInt.of(uid));
  }

  @Test
  void aBufferIsBoundToTheConnectionThatRegisteredIt() throws IOException {
    FakeConnection owner = unix();
    FakeConnection other = unix();
    Path path = file("good", 8192, "rw-------");
    SharedBuffers.Registration ok = register(owner, path.toString(), 8192);
    assertEquals(ErrorCode.OK, ok.code(), ok.message());
    assertTrue(ok.bufferId().matches("[0-9a-f]{32}"), ok.bufferId());
    assertEquals(1, gauge.get());
    // The mapping is the file's memory.
    Result<SharedBuffer> mine = onLoop(() -> Future.succeededFuture(buffers.acquire(owner, ok.bufferId())));
    assertTrue(mine.isOk());
    mine.value().memory().set(ValueLayout.JAVA_BYTE, 100, (byte) 42);
    assertEquals(42, Files.readAllBytes(path)[100]);
    onLoop(() -> {
      mine.value().release();
      return Future.succeededFuture();
    });
    // Another connection knows nothing of it.
    assertEquals(ErrorCode.ILLEGAL_CLIENT,
        onLoop(() -> Future.succeededFuture(buffers.acquire(other, ok.bufferId()))).code());
    assertEquals(ErrorCode.ILLEGAL_CLIENT, onLoop(() -> Future.succeededFuture(buffers.unregister(other, ok.bufferId()))));
    assertEquals(1, gauge.get());
    assertEquals(ErrorCode.OK, onLoop(() -> Future.succeededFuture(buffers.unregister(owner, ok.bufferId()))));
    assertEquals(0, gauge.get());
    assertEquals(ErrorCode.ILLEGAL_CLIENT, onLoop(() -> Future.succeededFuture(buffers.acquire(owner, ok.bufferId()))).code());
  }

  @Test
  void everyRuleIsEnforcedWithAReason() throws IOException {
    FakeConnection client = unix();
    Path good = file("good", 4096, "rw-------");
    assertRefused(new FakeConnection(OptionalInt.empty()), good.toString(), 4096, ErrorCode.ILLEGAL_CLIENT, "Unix socket");
    assertRefused(new FakeConnection(OptionalInt.of(uid + 1)), good.toString(), 4096, ErrorCode.ILLEGAL_CLIENT,
        "not the node's user");
    for (long size : new long[] {0, -1, Long.MIN_VALUE, (1L << 20) + 1, Long.MAX_VALUE}) {
      assertRefused(client, good.toString(), size, ErrorCode.INVALID_PARAMS, "outside");
    }
    assertRefused(client, good.toString(), 4095, ErrorCode.INVALID_PARAMS, "4096 bytes");
    assertRefused(client, file("wide", 4096, "rw-r--r--").toString(), 4096, ErrorCode.INVALID_PARAMS, "0644");
    Path link = Files.createSymbolicLink(dir.resolve("link"), good);
    assertRefused(client, link.toString(), 4096, ErrorCode.INVALID_PARAMS, "not a regular file");
    Path sub = Files.createDirectory(dir.resolve("sub"));
    assertRefused(client, sub.toString(), 4096, ErrorCode.INVALID_PARAMS, "not a regular file");
    Path nested = file("sub/nested", 4096, "rw-------");
    assertRefused(client, nested.toString(), 4096, ErrorCode.INVALID_PARAMS, "directly inside");
    assertRefused(client, dir + "/sub/../good", 4096, ErrorCode.INVALID_PARAMS, "directly inside");
    assertRefused(client, "good", 4096, ErrorCode.INVALID_PARAMS, "directly inside");
    assertRefused(client, dir + "/nul\0", 4096, ErrorCode.INVALID_PARAMS, "not a path");
    assertRefused(client, dir.resolve("absent").toString(), 4096, ErrorCode.FILE_NOT_FOUND, "no such file");
    if (uid == 0) { // only root can make a file of another user here; the Python suite covers the same case
      Path foreign = file("foreign", 4096, "rw-------");
      Files.setAttribute(foreign, "unix:uid", 65534);
      assertRefused(client, foreign.toString(), 4096, ErrorCode.INVALID_PARAMS, "uid 65534");
    }
    assertEquals(0, gauge.get());
    assertEquals(ErrorCode.OK, register(client, good.toString(), 4096).code());
  }

  private void assertRefused(FakeConnection connection, String path, long size, ErrorCode code, String says) {
    SharedBuffers.Registration refused = register(connection, path, size);
    assertEquals(code, refused.code(), path + " " + size + ": " + refused.message());
    assertEquals("", refused.bufferId());
    assertTrue(refused.message().contains(says), refused.message());
  }

  @Test
  void unmappedOnlyAfterTheLastCallUsingIt() throws IOException {
    FakeConnection client = unix();
    String id = register(client, file("busy", 4096, "rw-------").toString(), 4096).bufferId();
    SharedBuffer held = onLoop(() -> Future.succeededFuture(buffers.acquire(client, id))).value();
    assertEquals(ErrorCode.OK, onLoop(() -> Future.succeededFuture(buffers.unregister(client, id))));
    assertEquals(1, gauge.get()); // still in use by the call
    held.memory().set(ValueLayout.JAVA_BYTE, 0, (byte) 1); // and still mapped
    assertEquals(ErrorCode.ILLEGAL_CLIENT, onLoop(() -> Future.succeededFuture(buffers.acquire(client, id))).code());
    onLoop(() -> {
      held.release();
      return Future.succeededFuture();
    });
    assertEquals(0, gauge.get());
    assertThrows(IllegalStateException.class, () -> held.memory().get(ValueLayout.JAVA_BYTE, 0));
    assertThrows(IllegalStateException.class, held::release);
  }

  @Test
  void aClosingConnectionTakesItsBuffersAndItsEntry() throws IOException {
    FakeConnection client = unix();
    for (int i = 0; i < 3; i++) {
      assertEquals(ErrorCode.OK, register(client, file("f" + i, 4096, "rw-------").toString(), 4096).code());
    }
    assertEquals(3, gauge.get());
    onLoop(() -> {
      client.close();
      return Future.succeededFuture();
    });
    assertEquals(0, gauge.get());
    assertEquals(0, (int) onLoop(() -> Future.succeededFuture(buffers.connectionsTracked())));
  }

  @Test
  void aConnectionClosedWhileItsFileIsMappedGetsNothing() throws IOException {
    // The mapping waits for the test's go, so the close surely comes while it is in flight (a mapping that finished
    // before its future's listeners were attached would otherwise complete the registration inline, before the close).
    Promise<Void> go = Promise.promise();
    buffers = new SharedBuffers(task -> go.future().compose(ignored -> vertx.executeBlocking(task, false)),
        new ShmOptions(dir, 1L << 20, CAP), uid, gauge);
    FakeConnection client = unix();
    String path = file("late", 4096, "rw-------").toString();
    SharedBuffers.Registration refused = onLoop(() -> {
      Future<SharedBuffers.Registration> pending = buffers.register(client, path, 4096);
      client.close();
      go.complete();
      return pending;
    });
    assertEquals(ErrorCode.ILLEGAL_CLIENT, refused.code());
    assertEquals(0, gauge.get());
    assertEquals(0, (int) onLoop(() -> Future.succeededFuture(buffers.connectionsTracked())));
  }

  @Test
  void registrationsInFlightCountAgainstTheCap() throws IOException {
    FakeConnection client = unix();
    List<String> paths = new ArrayList<>();
    for (int i = 0; i < CAP + 2; i++) {
      paths.add(file("c" + i, 4096, "rw-------").toString());
    }
    List<SharedBuffers.Registration> all = onLoop(() -> {
      List<Future<SharedBuffers.Registration>> started = new ArrayList<>();
      for (String path : paths) {
        started.add(buffers.register(client, path, 4096)); // all at once: none is mapped yet
      }
      return Future.all(started).map(done -> started.stream().map(Future::result).toList());
    });
    assertEquals(CAP, all.stream().filter(r -> r.code() == ErrorCode.OK).count());
    assertEquals(2, all.stream().filter(r -> r.code() == ErrorCode.INVALID_PARAMS).count());
    assertEquals(CAP, gauge.get());
  }

  @Test
  void registerUnregisterCyclesKeepOneCloseHook() throws IOException {
    FakeConnection client = unix();
    String path = file("cycle", 4096, "rw-------").toString();
    for (int i = 0; i < 200; i++) {
      String id = register(client, path, 4096).bufferId();
      assertEquals(ErrorCode.OK, onLoop(() -> Future.succeededFuture(buffers.unregister(client, id))));
    }
    assertEquals(1, client.hooks.size());
    assertEquals(0, gauge.get());
    assertFalse(client.hooks.isEmpty());
  }
}
