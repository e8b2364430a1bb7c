package io.kvcache.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Debian's Python 3 with the packages the Python client needs (python3-grpcio, python3-protobuf, python3-numpy,
 * python3-pytest, protobuf-compiler), for tests that drive the client against a node. {@code ./kvstore test} installs
 * them if missing; a test that needs them fails (never skips) when they are not there.
 */
public final class Python {
  /** Debian's interpreter: the one its python3-* packages install into (PATH may lead to another one). */
  public static final String INTERPRETER = "/usr/bin/python3";
  /** The client's directory, relative to the project (Maven runs tests from the project's base directory). */
  public static final Path CLIENT_DIR = Path.of("clients", "python").toAbsolutePath();

  private Python() {}

  /** Why the Python client cannot run here, or null if it can. */
  public static String missing() {
    try {
      Process probe = new ProcessBuilder(INTERPRETER, "-c", "import grpc, google.protobuf, numpy, pytest")
          .redirectErrorStream(true).start();
      String out = new String(probe.getInputStream().readAllBytes());
      if (!probe.waitFor(60, TimeUnit.SECONDS) || probe.exitValue() != 0) {
        return INTERPRETER + " lacks a package: " + out.strip();
      }
      Process protoc = new ProcessBuilder("protoc", "--version").redirectErrorStream(true).start();
      protoc.getInputStream().readAllBytes();
      if (!protoc.waitFor(30, TimeUnit.SECONDS) || protoc.exitValue() != 0) {
        return "protoc does not run";
      }
      return null;
    } catch (IOException e) {
      return e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  /** Fails the test with how to get the packages if they are missing. */
  public static void require() {
    String why = missing();
    if (why != null) {
      throw new AssertionError("the Python client tests need Debian's python3-grpcio, python3-protobuf, python3-numpy, "
          + "python3-pytest and protobuf-compiler (./kvstore test installs them: apt-get install -y python3-grpcio "
          + "python3-protobuf python3-numpy python3-pytest protobuf-compiler): " + why);
    }
  }

  /** A process running {@code args} with the client's directory as working directory and on PYTHONPATH. */
  public static ProcessBuilder process(List<String> args, Map<String, String> env) {
    ProcessBuilder builder = new ProcessBuilder(args).directory(CLIENT_DIR.toFile());
    builder.environment().put("PYTHONPATH", CLIENT_DIR.toString());
    builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
    builder.environment().putAll(env);
    return builder;
  }
}
