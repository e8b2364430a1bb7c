package io.kvcache.ssd;

import io.kvcache.ssd.io.FileIo;
import io.kvcache.ssd.uring.RegisteredRegion;
import org.junit.jupiter.api.AfterEach;

import java.lang.foreign.Arena;

/** Common fixture of the engine-backed tests: one arena for buffers and the engine under test, both closed after. */
public abstract class EngineTestBase {
  protected final Arena arena = Arena.ofShared();
  protected FileIo io;

  /** Makes {@code engine} ("io_uring" or "filechannel") the engine of this test and returns it. */
  protected FileIo useEngine(String engine, RegisteredRegion region) {
    io = SsdTestSupport.engine(engine, 32, region);
    return io;
  }

  @AfterEach
  void closeEngineAndArena() {
    if (io != null) {
      io.close();
    }
    arena.close();
  }
}
