package io.kvcache.app;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class ConfigLoaderTest {

  @Test
  void defaultConfigFileLoadsWithTheDocumentedValues() {
    KvStoreOptions o = ConfigLoader.load(Path.of("conf/kvstore.json"), Map.of());
    assertEquals(Set.of(Role.MASTER, Role.STORAGE, Role.GATEWAY), o.node().roles());
    assertEquals(1L << 30, o.storage().segmentSize());
    assertEquals("127.0.0.1", o.gateway().host());
    assertEquals(50051, o.gateway().port());
    assertEquals(9400, o.node().metricsPort());
    assertEquals(List.of("127.0.0.1:5701"), o.cluster().members());
    assertEquals("127.0.0.1:50051", o.node().name(), "node name defaults to the gRPC endpoint");
    assertEquals(64L << 20, o.gateway().maxValueSize());
  }

  @Test
  void clusterExampleLoads() {
    KvStoreOptions o = ConfigLoader.load(Path.of("conf/cluster-example.json"), Map.of());
    assertEquals(Set.of(Role.STORAGE, Role.GATEWAY), o.node().roles());
    assertEquals("node-b", o.node().name());
    assertEquals(4L << 30, o.storage().segmentSize());
  }

  @Test
  void unknownKeyStopsStartupNamingTheKey() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ConfigLoader.load(new JsonObject().put("grpc_prot", 1), Map.of()));
    assertTrue(e.getMessage().contains("'grpc_prot'"), e.getMessage());
  }

  @Test
  void badValuesStopStartupNamingTheKey() {
    assertNamed("grpc_port", new JsonObject().put("grpc_port", 70000));
    assertNamed("grpc_port", new JsonObject().put("grpc_port", "fifty"));
    assertNamed("segment_size", new JsonObject().put("segment_size", "1 parsec"));
    assertNamed("segment_size", new JsonObject().put("segment_size", -5));
    assertNamed("roles", new JsonObject().put("roles", new JsonArray().add("janitor")));
    assertNamed("roles", new JsonObject().put("roles", new JsonArray()));
    assertNamed("cluster_members", new JsonObject().put("cluster_members", new JsonArray().add("nohost")));
    assertNamed("max_value_size", new JsonObject().put("max_value_size", 0));
    assertNamed("put_start_release_timeout_ms",
        new JsonObject().put("put_start_discard_timeout_ms", 5000).put("put_start_release_timeout_ms", 4000));
  }

  @Test
  void unknownAllocationStrategyListsTheValidOnes() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ConfigLoader.load(new JsonObject().put("allocation_strategy", "best_fit"), Map.of()));
    assertTrue(e.getMessage().contains("allocation_strategy"), e.getMessage());
    assertTrue(e.getMessage().contains("random, free_ratio_first, fragmentation_aware"), e.getMessage());
  }

  @Test
  void environmentOverridesTheFile() {
    KvStoreOptions o = ConfigLoader.load(new JsonObject().put("grpc_port", 1234),
        Map.of("KVSTORE_GRPC_PORT", "4321", "KVSTORE_SEGMENT_SIZE", "64MiB", "KVSTORE_ROLES", "storage,gateway",
            "PATH", "/usr/bin"));
    assertEquals(4321, o.gateway().port());
    assertEquals(64L << 20, o.storage().segmentSize());
    assertEquals(Set.of(Role.STORAGE, Role.GATEWAY), o.node().roles());
  }

  @Test
  void misspelledEnvironmentOverrideIsRefused() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ConfigLoader.load(new JsonObject(), Map.of("KVSTORE_GRPC_PROT", "1")));
    assertTrue(e.getMessage().contains("KVSTORE_GRPC_PROT"), e.getMessage());
  }

  @Test
  void byteSizesAcceptUnitsAndRejectOverflow() {
    assertEquals(512L << 10, ConfigSchema.SEGMENT_SIZE.read("512KiB"));
    assertEquals(3L << 30, ConfigSchema.SEGMENT_SIZE.read("3GiB"));
    assertEquals(1000L, ConfigSchema.SEGMENT_SIZE.read(1000));
    assertThrows(ConfigException.class, () -> ConfigSchema.SEGMENT_SIZE.read("99999999999999999TiB"));
    assertEquals("1GiB", ByteSizes.format(1L << 30));
    assertEquals("1000B", ByteSizes.format(1000));
  }

  private static void assertNamed(String key, JsonObject json) {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(json, Map.of()), key);
    assertTrue(e.getMessage().contains("'" + key + "'"), "message should name " + key + ": " + e.getMessage());
  }
}
