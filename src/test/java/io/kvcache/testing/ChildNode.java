package io.kvcache.testing;

import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A node in its own JVM (the real {@code Main}, same JDK, flags and classpath as the test), so a test can kill it the
 * way a machine dies: SIGKILL, no goodbye to the cluster.
 */
public final class ChildNode implements AutoCloseable {
  private final Process process;
  private final List<String> output = new ArrayList<>();
  private Thread reader;

  private ChildNode(Process process) {
    this.process = process;
  }

  /** Starts the node (512 MiB of heap) and waits until it prints its ready line. */
  public static ChildNode start(JsonObject config, Path dir) throws IOException {
    return start(config, dir, "512m");
  }

  /** Starts the node with {@code heap} as -Xmx (benchmarks give it what a node started by ./kvstore gets). */
  public static ChildNode start(JsonObject config, Path dir, String heap) throws IOException {
    Files.createDirectories(dir);
    Path configFile = dir.resolve(config.getString("node_name") + ".json");
    Files.writeString(configFile, config.encodePrettily());
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--") || arg.startsWith("-Djava.util.logging")) {
        command.add(arg);
      }
    }
    command.add("-Xmx" + heap);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("io.kvcache.app.Main");
    command.add(configFile.toString());
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    ChildNode child = new ChildNode(process);
    child.awaitReady();
    return child;
  }

  private void awaitReady() throws IOException {
    CompletableFuture<Void> ready = new CompletableFuture<>();
    reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          synchronized (output) {
            output.add(line);
          }
          if (line.contains("ready;")) {
            ready.complete(null);
          }
        }
        ready.completeExceptionally(new IOException("child node exited before it was ready: " + output()));
      } catch (IOException e) {
        ready.completeExceptionally(e);
      }
    }, "child-node-output");
    reader.setDaemon(true);
    reader.start();
    try {
      ready.get(90, TimeUnit.SECONDS);
    } catch (Exception e) {
      process.destroyForcibly();
      throw new IOException("child node did not become ready: " + output(), e);
    }
  }

  public String output() {
    synchronized (output) {
      return String.join("\n", output);
    }
  }

  /** SIGTERM, as Ctrl-C or a service manager would send; returns the exit status. */
  public int terminate() throws InterruptedException {
    process.toHandle().destroy(); // Process.destroy() would also close our end of its output pipe

    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("node did not stop within 60 s of SIGTERM: " + output());
    }
    reader.join(10_000); // the reader ends at EOF, once it has every line the process wrote
    return process.exitValue();
  }

  /** SIGSTOP: the process freezes — it stays a cluster member for a while but sends nothing (no heartbeats). */
  public void freeze() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** SIGCONT: the frozen process carries on where it stopped. */
  public void thaw() throws IOException, InterruptedException {
    signal("CONT");
  }

  private void signal(String name) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).inheritIO().start();
    if (kill.waitFor() != 0) {
      throw new IOException("kill -" + name + " " + process.pid() + " failed");
    }
  }

  /** SIGKILL: the node vanishes without unmounting anything. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      kill();
    }
  }
}
