package io.kvcache.e2e;

import io.kvcache.app.Node;
import io.kvcache.testing.Await;
import io.kvcache.testing.Python;
import io.kvcache.testing.TestNodes;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The Python client against a real node: its pytest suite (clients/python/tests) with the node's Unix socket and TCP
 * port, and a Python client that dies with buffers registered.
 */
class PythonClientTest {
  private static final long PYTEST_TIMEOUT_S = 300;
  private static Node node;
  private static Map<String, String> env;

  @BeforeAll
  static void startNode() {
    Python.require(); // fail, do not skip: CI must run these
    JsonObject config = TestNodes.singleNode("256MiB")
        .put("max_value_size", "2MiB").put("max_batch_size", 256)
        .put("shm_buffers_per_connection", 4).put("shm_buffer_max_bytes", "128MiB");
    node = TestNodes.start(config);
    env = Map.of(
        "KVSTORE_TEST_UDS", node.options().gateway().unixSocket().toString(),
        "KVSTORE_TEST_TCP", TestNodes.HOST + ":" + node.grpcPort(),
        "KVSTORE_TEST_MAX_VALUE_SIZE", String.valueOf(2 << 20),
        "KVSTORE_TEST_MAX_BATCH_SIZE", "256",
        "KVSTORE_TEST_BUFFERS_PER_CONNECTION", "4",
        "KVSTORE_TEST_BUFFER_MAX_BYTES", String.valueOf(128L << 20));
  }

  @AfterAll
  static void stopNode() {
    TestNodes.stop(node);
  }

  private static double registeredBuffers() {
    Gauge gauge = node.meters().find("kvstore_gateway_registered_buffers").gauge();
    return gauge == null ? -1 : gauge.value();
  }

  @Test
  void pytestSuitePasses() throws Exception {
    Path log = Path.of("target", "python-client-tests.log").toAbsolutePath();
    Files.createDirectories(log.getParent());
    Process pytest = Python.process(List.of(Python.INTERPRETER, "-m", "pytest", "-p", "no:cacheprovider", "-q",
            "-rs", "tests"), env)
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean finished = pytest.waitFor(PYTEST_TIMEOUT_S, TimeUnit.SECONDS);
    if (!finished) {
      pytest.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    String output = Files.readString(log);
    if (!finished || pytest.exitValue() != 0) {
      fail((finished ? "pytest failed (exit " + pytest.exitValue() + ")" : "pytest did not finish in "
          + PYTEST_TIMEOUT_S + " s") + "; its output (" + log + "):\n" + output);
    }
    assertTrue(output.contains(" passed"), output);
    // Every client closed: every buffer unregistered or unmapped with its connection.
    Await.until("no registered buffers left", Duration.ofSeconds(30), () -> registeredBuffers() == 0);
  }

  @Test
  void buffersOfAClientKilledWithSigkillAreUnmapped() throws Exception {
    Await.until("no registered buffers before", Duration.ofSeconds(30), () -> registeredBuffers() == 0);
    Process holder = Python.process(List.of(Python.INTERPRETER, "tests/hold_buffers.py", "3"), env)
        .redirectErrorStream(true).start();
    try {
      BufferedReader lines = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
      String line = lines.readLine(); // the script prints one line once its buffers are registered (or why not)
      assertEquals("registered 3", line, "hold_buffers.py said: " + line);
      assertEquals(3, registeredBuffers());
      holder.destroyForcibly(); // SIGKILL: no unregister, no goodbye; the kernel closes its socket
      assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
      assertEquals(137, holder.exitValue());
      Await.until("the dead client's buffers unmapped", Duration.ofSeconds(30), () -> registeredBuffers() == 0);
    } finally {
      holder.destroyForcibly();
    }
  }
}
