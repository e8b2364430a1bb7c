package io.kvcache.storage.peer;

import io.kvcache.proto.v1.ErrorCode;
import io.kvcache.segment.DramSegment;
import io.kvcache.ssd.load.LoadBuffers;
import io.kvcache.util.RateLimitedLog;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongPredicate;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The server end of one data connection ({@link PeerWire}): sends a nonce, accepts nothing but a valid AUTH for this
 * node's segment, then serves READ and WRITE requests in order. A WRITE's bytes go from the receive buffers straight into
 * the segment as they arrive (its range is checked first, so a declared length is never an allocation); a READ is
 * copied once, from the segment into a pooled direct buffer that is written out, and so is a LOADED object from the
 * SSD's load buffers (under their lock, so a reclaimed slot is never sent). While the client does not take the
 * replies (the socket is full), the connection stops reading requests.
 *
 * <p>Not thread-safe: lives on its channel's event loop.
 */
final class PeerServerConnection extends ByteToMessageDecoder {
  private static final Logger LOG = Logger.getLogger(PeerServerConnection.class.getName());
  private static final RateLimitedLog REFUSED = RateLimitedLog.of(LOG, Level.INFO);
  static final long AUTH_TIMEOUT_MS = 10_000;

  private enum State { AUTH, HEADER, WRITE_PAYLOAD, LOADED_REF, CLOSED }

  private final DramSegment segment;
  private final LoadBuffers loads;
  private final String segmentName;
  private final byte[] secret;
  private final LongPredicate admitsTerm;
  private final byte[] nonce = PeerAuth.randomBytes(PeerWire.NONCE_BYTES);
  private State state = State.AUTH;
  private ScheduledFuture<?> authTimer;
  // the WRITE being received
  private int writeId;
  private long writeAt;
  private long writeLeft;
  private ErrorCode writeCode;
  // the LOADED request whose batch reference is arriving
  private int loadedId;
  private long loadedIndex;
  private long loadedLength;
  private int loadedRefBytes;

  /**
   * @param segment this node's segment, or null when it contributes none (READ and WRITE are then INVALID_PARAMS)
   * @param loads this node's SSD load buffers, or null when it has no SSD (LOADED is then INVALID_PARAMS)
   * @param segmentName what a client authenticates for (the node's name when it has no segment)
   * @param admitsTerm whether a write granted by the master of this term may land (false: a replaced master's)
   */
  PeerServerConnection(DramSegment segment, LoadBuffers loads, String segmentName, byte[] secret,
                       LongPredicate admitsTerm) {
    this.segment = segment;
    this.loads = loads;
    this.segmentName = segmentName;
    this.secret = secret;
    this.admitsTerm = admitsTerm;
    // Received buffers are appended, never merged by copying: a WRITE's bytes are copied once, into the segment.
    setCumulator(COMPOSITE_CUMULATOR);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    ByteBuf hello = ctx.alloc().buffer(PeerWire.HELLO_BYTES);
    hello.writeInt(PeerWire.MAGIC).writeBytes(nonce);
    ctx.writeAndFlush(hello);
    authTimer = ctx.executor().schedule(() -> refuse(ctx, "no AUTH within " + AUTH_TIMEOUT_MS + " ms"),
        AUTH_TIMEOUT_MS, TimeUnit.MILLISECONDS);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    while (in.isReadable() && state != State.CLOSED) {
      boolean progressed = switch (state) {
        case AUTH -> auth(ctx, in);
        case HEADER -> request(ctx, in);
        case WRITE_PAYLOAD -> writePayload(ctx, in);
        case LOADED_REF -> loadedRef(ctx, in);
        case CLOSED -> false;
      };
      if (!progressed) {
        return; // wait for more bytes
      }
    }
  }

  private boolean auth(ChannelHandlerContext ctx, ByteBuf in) {
    if (in.readableBytes() < PeerWire.AUTH_HEAD_BYTES) {
      return false;
    }
    int at = in.readerIndex();
    int nameBytes = in.getUnsignedShort(at + 4);
    if (in.getInt(at) != PeerWire.MAGIC || nameBytes > PeerWire.MAX_SEGMENT_NAME_BYTES) {
      refuse(ctx, "not a data-protocol client");
      return false;
    }
    if (in.readableBytes() < PeerWire.AUTH_HEAD_BYTES + nameBytes + PeerWire.PROOF_BYTES) {
      return false;
    }
    in.skipBytes(PeerWire.AUTH_HEAD_BYTES);
    String name = in.readCharSequence(nameBytes, StandardCharsets.UTF_8).toString();
    byte[] proof = new byte[PeerWire.PROOF_BYTES];
    in.readBytes(proof);
    if (!name.equals(segmentName) || !PeerAuth.verify(secret, nonce, segmentName, proof)) {
      refuse(ctx, "authentication failed");
      return false;
    }
    authTimer.cancel(false);
    state = State.HEADER;
    return true;
  }

  private boolean request(ChannelHandlerContext ctx, ByteBuf in) {
    if (in.readableBytes() < PeerWire.REQUEST_HEADER_BYTES) {
      return false;
    }
    byte op = in.readByte();
    int id = in.readInt();
    long offset = in.readLong();
    long length = in.readLong();
    long term = in.readLong();
    if (op == PeerWire.LOADED) {
      if (term <= 0 || term > PeerWire.MAX_LOADED_REF_BYTES) { // the end of the reference cannot be trusted
        refuse(ctx, "batch reference of " + term + " bytes");
        return false;
      }
      loadedId = id;
      loadedIndex = offset;
      loadedLength = length;
      loadedRefBytes = (int) term;
      state = State.LOADED_REF;
      return true;
    }
    boolean inSegment = segment != null && offset >= 0 && length >= 0 && offset <= segment.size() - length;
    if (op == PeerWire.WRITE) {
      if (length < 0) { // the end of the payload cannot be found
        refuse(ctx, "write of negative length " + length);
        return false;
      }
      writeId = id;
      writeAt = offset;
      writeLeft = length;
      // A payload that cannot be placed is received and dropped as it arrives (nothing is held for it), then refused.
      writeCode = !inSegment ? ErrorCode.INVALID_PARAMS
          : admitsTerm.test(term) ? ErrorCode.OK : ErrorCode.UNAVAILABLE_IN_CURRENT_MODE; // its region may be reused
      state = State.WRITE_PAYLOAD;
      if (length == 0) {
        finishWrite(ctx);
      }
      return true;
    }
    if (op != PeerWire.READ) {
      refuse(ctx, "unknown op " + op);
      return false;
    }
    if (!inSegment || length > PeerWire.MAX_READ_BYTES) {
      reply(ctx, id, ErrorCode.INVALID_PARAMS);
      return true;
    }
    sendBytes(ctx, id, (int) length, target -> {
      segment.read(offset, target);
      return ErrorCode.OK;
    });
    return true;
  }

  /** The batch reference of a LOADED request: then its bytes, copied out of the load buffers. */
  private boolean loadedRef(ChannelHandlerContext ctx, ByteBuf in) {
    if (in.readableBytes() < loadedRefBytes) {
      return false;
    }
    String ref = in.readCharSequence(loadedRefBytes, StandardCharsets.UTF_8).toString();
    state = State.HEADER;
    int space = ref.indexOf(' ');
    String batchId = space < 0 ? "" : ref.substring(0, space);
    String owner = space < 0 ? "" : ref.substring(space + 1);
    LoadBuffers.Batch batch = loads == null ? null : loads.get(batchId, owner);
    // Checked against the slot before anything is allocated for it: a declared length is not an allocation.
    if (batch == null || loadedIndex < 0 || loadedIndex >= batch.size() || loadedLength < 0
        || loadedLength > batch.slot((int) loadedIndex).byteSize() || loadedLength > PeerWire.MAX_READ_BYTES) {
      reply(ctx, loadedId, ErrorCode.INVALID_PARAMS);
      return true;
    }
    // copyOut checks again under the buffers' lock: the batch may have been released or reclaimed since.
    sendBytes(ctx, loadedId, (int) loadedLength, target -> loads.copyOut(batchId, owner, (int) loadedIndex, target));
    return true;
  }

  /**
   * Answers request {@code id} with {@code length} bytes that {@code fill} copies into the reply's pooled direct buffer
   * (or with the code it returns instead of OK).
   */
  private void sendBytes(ChannelHandlerContext ctx, int id, int length, Function<ByteBuffer, ErrorCode> fill) {
    ByteBuf bytes = ctx.alloc().directBuffer(PeerWire.REPLY_HEADER_BYTES + length);
    ErrorCode code;
    try {
      code = fill.apply(bytes.nioBuffer(PeerWire.REPLY_HEADER_BYTES, length));
    } catch (RuntimeException closed) { // the memory is gone: the node is stopping
      code = ErrorCode.TRANSFER_FAIL;
    }
    if (code == ErrorCode.OK) {
      bytes.writerIndex(PeerWire.REPLY_HEADER_BYTES + length);
      bytes.setInt(0, id).setInt(4, 0).setLong(8, length);
      ctx.write(bytes);
    } else {
      bytes.release();
      reply(ctx, id, code);
    }
    if (!ctx.channel().isWritable()) {
      ctx.channel().config().setAutoRead(false); // resumed in channelWritabilityChanged
    }
  }

  private boolean writePayload(ChannelHandlerContext ctx, ByteBuf in) {
    int n = (int) Math.min(writeLeft, in.readableBytes());
    if (writeCode == ErrorCode.OK) {
      try {
        segment.write(writeAt, java.util.Arrays.asList(in.nioBuffers(in.readerIndex(), n)));
        writeAt += n; // within the range checked when the request came
      } catch (RuntimeException closed) {
        writeCode = ErrorCode.TRANSFER_FAIL; // the rest of the payload is still read and dropped
      }
    }
    in.skipBytes(n);
    writeLeft -= n;
    if (writeLeft == 0) {
      finishWrite(ctx);
    }
    return true;
  }

  private void finishWrite(ChannelHandlerContext ctx) {
    reply(ctx, writeId, writeCode);
    state = State.HEADER;
  }

  private void reply(ChannelHandlerContext ctx, int id, ErrorCode code) {
    ByteBuf header = ctx.alloc().directBuffer(PeerWire.REPLY_HEADER_BYTES);
    header.writeInt(id).writeInt(code.getNumber()).writeLong(0);
    ctx.write(header);
  }

  private void refuse(ChannelHandlerContext ctx, String why) {
    if (state != State.CLOSED) {
      state = State.CLOSED;
      REFUSED.log("data connection refused", () -> ctx.channel().remoteAddress() + ": " + why);
      ctx.writeAndFlush(ctx.alloc().buffer(0)).addListener(f -> ctx.close());
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
    ctx.flush();
    super.channelReadComplete(ctx);
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
    if (ctx.channel().isWritable()) {
      ctx.channel().config().setAutoRead(true);
    }
    super.channelWritabilityChanged(ctx);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    if (authTimer != null) {
      authTimer.cancel(false);
    }
    state = State.CLOSED;
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    REFUSED.log("data connection error", () -> RateLimitedLog.describe(cause));
    ctx.close();
  }
}
