package io.kvcache.app;

import io.kvcache.testing.ChildNode;
import io.kvcache.testing.TestNodes;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** The real Main in its own JVM: it prints where it listens once ready and stops cleanly on SIGTERM. */
class LauncherTest {

  @Test
  void printsItsAddressesAndStopsCleanlyOnSigterm() throws Exception {
    var config = TestNodes.singleNode("16MiB");
    try (ChildNode child = ChildNode.start(config, Path.of(System.getProperty("kv.test.dir", "target/test-data")))) {
      String ready = child.output();
      assertTrue(ready.matches("(?s).*ready; roles=\\[.*\\] grpc=127\\.0\\.0\\.1:\\d+ metrics=http://127\\.0\\.0\\.1:\\d+/metrics.*"),
          ready);
      assertEquals(0, child.terminate(), "exit status after SIGTERM");
      assertTrue(child.output().contains("kvstore: stopped"), child.output());
    }
  }

  @Test
  void badConfigStopsStartupWithTheKeyNamed() throws Exception {
    var config = TestNodes.singleNode("16MiB").put("grpc_port", 123456);
    var failure = assertThrows(java.io.IOException.class,
        () -> ChildNode.start(config, Path.of(System.getProperty("kv.test.dir", "target/test-data"))));
    assertTrue(failure.getMessage().contains("'grpc_port'"), failure.getMessage());
  }
}
