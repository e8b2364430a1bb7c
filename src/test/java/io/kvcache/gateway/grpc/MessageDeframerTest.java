package io.kvcache.gateway.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

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
  private final MessageDeframer deframer = new MessageDeframer(UnpooledByteBufAllocator.DEFAULT, budget, 1 << 20);

  private static ByteBuf messages(int count, int size) {
    ByteBuf data = Unpooled.buffer();
    for (int i = 0; i < count; i++) {
      data.writeBytes(RawH2Client.frame(false, new byte[size]));
    }
    return data;
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

  @Test
  void messagesSplitAnywhereComeOutWholeAndTheirChargeGoesBackOnRelease() {
    ByteBuf data = messages(2, MESSAGE);
    List<MessageDeframer.Frame> taken = new ArrayList<>();
    while (data.isReadable()) {
      deframer.feed(data.readSlice(Math.min(data.readableBytes(), 777)), taken::add);
    }
    assertNull(deframer.failure());
    assertEquals(2, taken.size());
    taken.forEach(f -> assertEquals(MESSAGE, f.bytes.readableBytes()));
    taken.forEach(MessageDeframer.Frame::release);
    assertEquals(0, budget.heldBytes());
    assertEquals(true, deframer.atBoundary());
    data.release();
  }
}
