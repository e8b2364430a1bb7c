package io.kvcache.ssd.io;

import io.kvcache.ssd.uring.ThreadRings;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class FileIosTest {
  @Test
  void useUringFalseSelectsTheFileChannelFallback() {
    try (FileIo io = FileIos.create(false, 32, null, ThreadRings.EVENT_LOOP_THREADS)) {
      assertEquals("filechannel", io.engineName());
    }
  }

  @Test
  void useUringTrueSelectsIoUringWhereItWorks() {
    String why = UringFileIo.unavailableReason();
    assumeTrue(why == null, "io_uring unavailable: " + why);
    try (FileIo io = FileIos.create(true, 32, null, ThreadRings.EVENT_LOOP_THREADS)) {
      assertEquals("io_uring", io.engineName());
    }
  }
}
