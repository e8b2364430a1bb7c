package io.kvcache.gateway.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

/** What the deframer keeps and charges for request bytes, and that it keeps nothing once its stream is over. */
class MessageDeframerTest {
  private static final int MESSAGE = 20 << 10; // above the slice threshold: kept as slices of the received buffer

  private final BufferBudget budget = new BufferBudget(1L << 30, null);
  private final UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(true); // counts the memory it hands out
  private final MessageDeframer deframer = new MessageDeframer(alloc, budget, 1 << 20);

  private static ByteBuf messages(int count, int size) {
    ByteBuf data = Unpooled.buffer();
    for (int i = 0; i < count; i++) {
      data.writeBytes(RawH2Client.frame(false, content(i, size)));
    }
    return data;
  }

  private static byte[] content(int seed, int size) {
    byte[] b = new byte[size];
    new java.util.SplittableRandom(seed).nextBytes(b);
    return b;
  }

  /**
   * A call can end on a message the deframer just handed it (a second message for a unary call, a compressed flag it
   * refuses) while the rest of the same DATA frame is still unread: the deframer is discarded from inside its own feed,
   * and must not keep (nor charge) the messages after it. Found by the protocol fuzzer: request bytes held stayed above 0.
   */
  @Test
  void aCallEndedByTheMessageItWasHandedKeepsNothingOfTheRestOfTheFrame() {
    ByteBuf data = messages(3, MESSAGE);
    data.writerIndex(data.writerIndex() - MESSAGE / 2); // the frame ends inside the third message
    List<MessageDeframer.Frame> taken = new ArrayList<>();
    deframer.feed(data, frame -> {
      if (taken.isEmpty()) {
        taken.add(frame); // the call keeps its first message
      } else {
        frame.release(); // one too many: the call ends and discards its deframer
        deframer.discard();
      }
    });
    assertEquals(1, taken.size());
    assertEquals(MESSAGE, budget.heldBytes(), "only the message the call took is held");
    taken.get(0).release();
    assertEquals(0, budget.heldBytes());
    assertEquals(1, data.refCnt(), "no slice of the received bytes is still retained");

    deframer.feed(messages(1, MESSAGE), frame -> taken.add(frame));
    assertEquals(1, taken.size(), "a discarded deframer takes nothing more");
    assertEquals(0, budget.heldBytes());
    data.release();
  }

  /**
   * What a stream holds grows with what it sent, never with what it declared: a prefix alone holds nothing, one byte of
   * a 1 MiB message holds one byte (a buffer sized for the slice threshold, 16 KiB, was charged as one byte before, so
   * ten thousand such streams held 160 MiB while the budget saw 10 KB), and a trickle holds at most about twice what
   * arrived; all of it is charged.
   */
  @Test
  void whatAStreamHoldsGrowsWithWhatItSentAndIsChargedInFull() {
    List<MessageDeframer.Frame> taken = new ArrayList<>();
    deframer.feed(Unpooled.wrappedBuffer(RawH2Client.prefix(false, 1 << 20)), taken::add);
    assertEquals(0, budget.heldBytes(), "a declared length holds nothing");
    assertEquals(0, alloc.metric().usedDirectMemory());
    deframer.feed(Unpooled.wrappedBuffer(new byte[1]), taken::add);
    assertEquals(1, alloc.metric().usedDirectMemory(), "one byte arrived");
    assertEquals(1, budget.heldBytes());
    long received = 1;
    for (int i = 0; i < 1000; i++) {
      deframer.feed(Unpooled.wrappedBuffer(new byte[10]), taken::add);
      received += 10;
      long held = alloc.metric().usedDirectMemory();
      assertTrue(held >= received && held <= 2 * received + 10, "held " + held + " after " + received + " bytes");
      assertEquals(held, budget.heldBytes(), "all of it charged");
    }
    deframer.discard();
    assertEquals(0, budget.heldBytes());
    assertEquals(0, alloc.metric().usedDirectMemory());
    assertEquals(List.of(), taken);
  }

  /** Messages of random sizes cut into random pieces (copied below the slice threshold, sliced above) come out exact. */
  @Test
  void randomPiecesOfRandomMessagesComeOutExact() {
    java.util.SplittableRandom r = new java.util.SplittableRandom(42);
    ByteBuf data = Unpooled.buffer();
    List<byte[]> sent = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      byte[] m = content(i, r.nextInt(8) == 0 ? 0 : r.nextInt(1, 200_000));
      sent.add(m);
      data.writeBytes(RawH2Client.frame(false, m));
    }
    List<MessageDeframer.Frame> taken = new ArrayList<>();
    while (data.isReadable()) {
      int piece = Math.min(data.readableBytes(), r.nextBoolean() ? r.nextInt(1, 64) : r.nextInt(1, 40_000));
      ByteBuf received = Unpooled.directBuffer(piece); // a receive buffer of its own, released once read
      received.writeBytes(data, piece);
      deframer.feed(received, taken::add);
      received.release();
    }
    assertEquals(sent.size(), taken.size());
    for (int i = 0; i < sent.size(); i++) {
      MessageDeframer.Frame f = taken.get(i);
      byte[] got = new byte[f.bytes.readableBytes()];
      f.bytes.getBytes(f.bytes.readerIndex(), got);
      assertArrayEquals(sent.get(i), got, "message " + i);
      f.release();
    }
    assertEquals(0, budget.heldBytes());
    assertEquals(0, alloc.metric().usedDirectMemory());
    data.release();
  }

  @Test
  void messagesSplitAnywhereComeOutWholeAndTheirChargeGoesBackOnRelease() {
    ByteBuf data = messages(2, MESSAGE);
    List<MessageDeframer.Frame> taken = new ArrayList<>();
    while (data.isReadable()) {
      deframer.feed(data.readSlice(Math.min(data.readableBytes(), 777)), taken::add);
    }
    assertNull(deframer.failure());
    assertEquals(2, taken.size());
    for (int i = 0; i < 2; i++) {
      byte[] got = new byte[taken.get(i).bytes.readableBytes()];
      taken.get(i).bytes.getBytes(taken.get(i).bytes.readerIndex(), got);
      assertArrayEquals(content(i, MESSAGE), got, "message " + i);
    }
    taken.forEach(MessageDeframer.Frame::release);
    assertEquals(0, budget.heldBytes());
    assertTrue(deframer.atBoundary());
    data.release();
  }
}
