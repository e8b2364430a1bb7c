package io.kvcache.app;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Loads a node's options: defaults from {@link ConfigSchema}, then the JSON file, then environment variables
 * {@code KVSTORE_<KEY>}. An unknown key, a value of the wrong type or out of range stops with a {@link ConfigException}
 * naming the key. Environment variables starting with {@code KVSTORE_} that match no key are refused the same way, so a
 * typo never passes silently.
 */
public final class ConfigLoader {
  private ConfigLoader() {}

  public static KvStoreOptions load(Path file, Map<String, String> env) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
    }
    JsonObject json;
    try {
      json = new JsonObject(text);
    } catch (DecodeException e) {
      throw new ConfigException("config file " + file + " is not a JSON object: " + e.getMessage());
    }
    return load(json, env);
  }

  public static KvStoreOptions load(JsonObject json, Map<String, String> env) {
    Map<String, ConfigKey> schema = ConfigSchema.byName();
    Map<String, Object> values = new HashMap<>();
    for (ConfigKey key : ConfigSchema.keys()) {
      values.put(key.name(), key.defaultValue());
    }
    for (String name : json.fieldNames()) {
      ConfigKey key = schema.get(name);
      if (key == null) {
        throw new ConfigException("unknown config key '" + name + "'");
      }
      Object raw = json.getValue(name);
      values.put(name, key.read(raw instanceof JsonArray array ? array.getList() : raw));
    }
    for (Map.Entry<String, String> e : env.entrySet()) {
      if (!e.getKey().startsWith("KVSTORE_")) {
        continue;
      }
      ConfigKey key = schema.get(e.getKey().substring("KVSTORE_".length()).toLowerCase(java.util.Locale.ROOT));
      if (key == null) {
        throw new ConfigException("environment variable " + e.getKey() + " names no config key");
      }
      values.put(key.name(), key.read(e.getValue()));
    }
    return KvStoreOptions.from(values);
  }
}
