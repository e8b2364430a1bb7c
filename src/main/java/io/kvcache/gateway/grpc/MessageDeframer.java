package io.kvcache.gateway.grpc;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.vertx.grpc.common.GrpcStatus;

/**
 * Turns the DATA of one request stream into whole gRPC messages (a compressed-flag byte, a 4-byte big-endian length,
 * the message) without trusting the length: nothing is allocated for a declared length; a message's bytes are kept as
 * they actually arrive — large pieces as retained slices of the receive buffers (no copy), small ones copied into
 * buffers of their own (so a trickle of tiny pieces cannot pin whole receive buffers), each at most as large as the
 * message received so far (so a buffer grows with the bytes that came, never ahead of them) — and what is kept is
 * charged to the connection's budget first: a slice's bytes, an own buffer's whole capacity. A completed message is
 * handed over with its bytes and its charge; whoever takes it releases it ({@link Frame#release()}).
 *
 * <p>Not thread-safe: one per stream, used on its connection's event loop.
 */
final class MessageDeframer {
  /** Pieces at least this large are kept by reference; smaller ones are copied. */
  static final int SLICE_THRESHOLD = 16 << 10;
  static final int PREFIX = 5;

  /** A whole message: its compressed flag and bytes, charged to the budgets until released. */
  static final class Frame {
    final boolean compressed;
    final ByteBuf bytes;
    private final BufferBudget budget;
    private final long charged;
    private boolean released;

    Frame(boolean compressed, ByteBuf bytes, BufferBudget budget, long charged) {
      this.compressed = compressed;
      this.bytes = bytes;
      this.budget = budget;
      this.charged = charged;
    }

    void release() {
      if (!released) {
        released = true;
        bytes.release();
        budget.giveBack(charged);
      }
    }
  }

  /** Why the stream cannot go on: a gRPC status and a message for the client. */
  record Failure(GrpcStatus status, String message) {}

  private final ByteBufAllocator alloc;
  private final BufferBudget budget;
  private final long maxMessageSize;
  private final byte[] prefix = new byte[PREFIX];
  private int prefixFilled;
  private long declared = -1;       // length of the message being received, -1 between messages
  private boolean compressed;
  private final java.util.ArrayList<ByteBuf> pieces = new java.util.ArrayList<>(); // its bytes so far, in order
  private long received;
  private long charged;
  private Failure failure;
  private boolean discarded;        // the stream is over: nothing more is taken or kept

  MessageDeframer(ByteBufAllocator alloc, BufferBudget budget, long maxMessageSize) {
    this.alloc = alloc;
    this.budget = budget;
    this.maxMessageSize = maxMessageSize;
  }

  /** True between messages: a request stream may only end here. */
  boolean atBoundary() {
    return prefixFilled == 0 && declared < 0;
  }

  /** True while a message has started but not all its bytes arrived (the incomplete-message timeout watches this). */
  boolean midMessage() {
    return !atBoundary();
  }

  Failure failure() {
    return failure;
  }

  /**
   * Takes {@code data} (not retained by the caller; valid only during this call) and hands every message it completes to
   * {@code sink}. After a failure, or once {@link #discard()} was called (by {@code sink} too: a call that ends on the
   * message it was just handed), nothing more is taken: bytes kept after a discard would be held by a call that is over.
   */
  void feed(ByteBuf data, java.util.function.Consumer<Frame> sink) {
    while (data.isReadable() && failure == null && !discarded) {
      if (declared < 0) {
        int take = Math.min(PREFIX - prefixFilled, data.readableBytes());
        data.readBytes(prefix, prefixFilled, take);
        prefixFilled += take;
        if (prefixFilled == PREFIX) {
          startMessage(sink);
        }
      } else {
        int take = (int) Math.min(declared - received, data.readableBytes());
        if (!keep(data, take)) {
          failure = new Failure(GrpcStatus.RESOURCE_EXHAUSTED, "the connection holds too many unprocessed request bytes");
          return;
        }
        received += take;
        if (received == declared) {
          deliver(sink);
        }
      }
    }
  }

  private void startMessage(java.util.function.Consumer<Frame> sink) {
    prefixFilled = 0;
    compressed = prefix[0] != 0;
    if ((prefix[0] & 0xFE) != 0) {
      failure = new Failure(GrpcStatus.INTERNAL, "invalid message flags " + (prefix[0] & 0xFF));
      return;
    }
    long size = ((prefix[1] & 0xFFL) << 24) | ((prefix[2] & 0xFF) << 16) | ((prefix[3] & 0xFF) << 8) | (prefix[4] & 0xFF);
    if (size > maxMessageSize) {
      failure = new Failure(GrpcStatus.RESOURCE_EXHAUSTED,
          "message of " + size + " bytes exceeds the limit of " + maxMessageSize);
      return;
    }
    declared = size;
    received = 0;
    charged = 0;
    if (size == 0) {
      deliver(sink);
    }
  }

  /**
   * Keeps {@code take} bytes of {@code data}: by reference if large, else copied into the message's own buffer; charges
   * the budget first with what that holds. False (nothing kept) if the budget refuses.
   */
  private boolean keep(ByteBuf data, int take) {
    if (take >= SLICE_THRESHOLD) {
      if (!charge(take)) {
        return false;
      }
      pieces.add(data.readRetainedSlice(take));
      return true;
    }
    ByteBuf last = pieces.isEmpty() ? null : pieces.get(pieces.size() - 1);
    if (last == null || !last.isWritable(take)) {
      // A buffer of our own (a retained slice is never writable, so it is never appended to), sized by what arrived:
      // this piece, or as much as the message received so far (doubling it), up to the slice threshold, and never
      // more than the message still lacks. A declared length alone allocates nothing; a stream that sent one byte of
      // a large message holds a buffer of one byte.
      int size = (int) Math.min(declared - received, Math.max(take, Math.min(received, SLICE_THRESHOLD)));
      if (!charge(size)) {
        return false;
      }
      last = alloc.directBuffer(size, size);
      pieces.add(last);
    }
    last.writeBytes(data, take);
    return true;
  }

  private boolean charge(long bytes) {
    if (!budget.tryTake(bytes)) {
      return false;
    }
    charged += bytes;
    return true;
  }

  private void deliver(java.util.function.Consumer<Frame> sink) {
    ByteBuf bytes;
    if (pieces.isEmpty()) {
      bytes = alloc.directBuffer(0, 0);
    } else if (pieces.size() == 1) {
      bytes = pieces.get(0);
    } else {
      CompositeByteBuf all = alloc.compositeDirectBuffer(pieces.size());
      all.addComponents(true, pieces);
      bytes = all;
    }
    pieces.clear();
    Frame frame = new Frame(compressed, bytes, budget, charged);
    declared = -1;
    charged = 0;
    sink.accept(frame);
  }

  /** Frees what a message in progress holds (the stream ended, was reset or failed); takes nothing after. */
  void discard() {
    discarded = true;
    pieces.forEach(ByteBuf::release);
    pieces.clear();
    budget.giveBack(charged);
    charged = 0;
    declared = -1;
    prefixFilled = 0;
  }
}
