package io.kvcache.storage.peer;

import io.kvcache.proto.v1.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Promise;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The client end of one data connection ({@link PeerWire}) to one segment of another node (and to the objects its SSD
 * loaded): answers the server's nonce
 * with the proof, then sends requests (queued until then) and matches the replies, which come in order. A READ's bytes
 * are handed over as received (slices of the receive buffers, no copy); a WRITE's payload is written by reference. A
 * connection whose oldest request waits longer than the request timeout, or that breaks the protocol, is closed, and
 * closing fails every request still waiting.
 *
 * <p>Not thread-safe: used on its channel's event loop only ({@link PeerDataClient} hops there).
 */
final class PeerClientConnection extends ByteToMessageDecoder {
  /** A request sent (or queued) and not yet answered. */
  private record Pending(int id, byte op, long offset, long length, long term, Promise<ByteBuf> read, Promise<Void> written,
                         long sentAtMs, ByteBuf payload, byte[] loadedRef) {
    void fail(ErrorCode code, String why) {
      PeerFailure failure = new PeerFailure(code, why);
      if (read != null) {
        read.tryFail(failure);
      } else {
        written.tryFail(failure);
      }
    }
  }

  private final String segmentName;
  private final byte[] secret;
  private final long requestTimeoutMs;
  private final Runnable onClosed;
  private final ArrayDeque<Pending> queued = new ArrayDeque<>();   // before AUTH went out
  private final ArrayDeque<Pending> inFlight = new ArrayDeque<>(); // sent, in reply order
  private ChannelHandlerContext ctx;
  private boolean authenticated;
  private boolean closed;
  private int nextId;
  private Pending replying;   // the READ whose bytes are arriving
  private ScheduledFuture<?> timer;

  PeerClientConnection(String segmentName, byte[] secret, long requestTimeoutMs, Runnable onClosed) {
    this.segmentName = segmentName;
    this.secret = secret;
    this.requestTimeoutMs = requestTimeoutMs;
    this.onClosed = onClosed;
    setCumulator(COMPOSITE_CUMULATOR); // a READ's bytes stay in the buffers they arrived in
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    long every = Math.max(100, requestTimeoutMs / 4);
    timer = ctx.executor().scheduleAtFixedRate(this::expire, every, every, TimeUnit.MILLISECONDS);
  }

  void read(long offset, int length, Promise<ByteBuf> promise, long nowMs) {
    send(new Pending(nextId++, PeerWire.READ, offset, length, 0, promise, null, nowMs, null, null));
  }

  /** The first {@code length} bytes of object {@code index} of load-buffer batch {@code batchId} of {@code owner}. */
  void readLoaded(String batchId, String owner, int index, int length, Promise<ByteBuf> promise, long nowMs) {
    byte[] ref = (batchId + " " + owner).getBytes(StandardCharsets.UTF_8);
    if (ref.length > PeerWire.MAX_LOADED_REF_BYTES) {
      promise.fail(new PeerFailure(ErrorCode.INVALID_PARAMS, "batch reference of " + ref.length + " bytes"));
      return;
    }
    send(new Pending(nextId++, PeerWire.LOADED, index, length, ref.length, promise, null, nowMs, null, ref));
  }

  /** Takes ownership of {@code payload}; {@code term} is the fencing term of the master that granted the replica. */
  void write(long offset, long term, ByteBuf payload, Promise<Void> promise, long nowMs) {
    send(new Pending(nextId++, PeerWire.WRITE, offset, payload.readableBytes(), term, null, promise, nowMs, payload,
        null));
  }

  private void send(Pending p) {
    if (closed) {
      release(p);
      p.fail(ErrorCode.TRANSFER_FAIL, "data connection closed");
      return;
    }
    if (!authenticated) {
      queued.add(p);
      return;
    }
    writeRequest(p);
    ctx.flush();
  }

  private void writeRequest(Pending p) {
    int refBytes = p.loadedRef() == null ? 0 : p.loadedRef().length;
    ByteBuf header = ctx.alloc().directBuffer(PeerWire.REQUEST_HEADER_BYTES + refBytes);
    header.writeByte(p.op()).writeInt(p.id()).writeLong(p.offset()).writeLong(p.length()).writeLong(p.term());
    if (p.loadedRef() != null) {
      header.writeBytes(p.loadedRef());
    }
    ctx.write(header);
    if (p.payload() != null) {
      ctx.write(p.payload().retain()); // released by Netty once written; ours is released with the reply
    }
    inFlight.add(p);
  }

  private static void release(Pending p) {
    if (p.payload() != null && p.payload().refCnt() > 0) {
      p.payload().release();
    }
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (!authenticated) {
      if (in.readableBytes() < PeerWire.HELLO_BYTES) {
        return;
      }
      if (in.readInt() != PeerWire.MAGIC) {
        protocolError("not a data-protocol server");
        return;
      }
      byte[] nonce = new byte[PeerWire.NONCE_BYTES];
      in.readBytes(nonce);
      byte[] name = segmentName.getBytes(StandardCharsets.UTF_8);
      ByteBuf auth = ctx.alloc().buffer(PeerWire.AUTH_HEAD_BYTES + name.length + PeerWire.PROOF_BYTES);
      auth.writeInt(PeerWire.MAGIC).writeShort(name.length).writeBytes(name)
          .writeBytes(PeerAuth.proof(secret, nonce, segmentName));
      ctx.write(auth);
      authenticated = true;
      while (!queued.isEmpty()) {
        writeRequest(queued.poll());
      }
      ctx.flush();
    }
    while (!closed) {
      if (replying == null) {
        if (in.readableBytes() < PeerWire.REPLY_HEADER_BYTES) {
          return;
        }
        int id = in.readInt();
        int code = in.readInt();
        long length = in.readLong();
        Pending head = inFlight.poll();
        if (head == null || head.id() != id) {
          protocolError("reply " + id + " matches no request");
          return;
        }
        release(head);
        if (code != 0) {
          ErrorCode error = ErrorCode.forNumber(code);
          head.fail(error == null ? ErrorCode.TRANSFER_FAIL : error, "peer refused: " + code);
          continue;
        }
        if (head.op() == PeerWire.WRITE) {
          head.written().tryComplete();
          continue;
        }
        if (length != head.length()) {
          head.fail(ErrorCode.TRANSFER_FAIL, "peer sent " + length + " bytes for " + head.length());
          protocolError("read reply of the wrong length");
          return;
        }
        replying = head;
      }
      if (in.readableBytes() < replying.length()) {
        return;
      }
      Pending done = replying;
      replying = null;
      ByteBuf bytes = in.readRetainedSlice((int) done.length());
      if (!done.read().tryComplete(bytes)) {
        bytes.release(); // nobody waits any more
      }
    }
  }

  private void expire() {
    Pending oldest = inFlight.isEmpty() ? queued.peek() : inFlight.peek();
    if (oldest != null && System.nanoTime() / 1_000_000 - oldest.sentAtMs() > requestTimeoutMs) {
      failAll(ErrorCode.RPC_TIMEOUT, "no reply from the peer within " + requestTimeoutMs + " ms");
      ctx.close();
    }
  }

  private void protocolError(String why) {
    failAll(ErrorCode.TRANSFER_FAIL, why);
    ctx.close();
  }

  private void failAll(ErrorCode code, String why) {
    closed = true;
    for (ArrayDeque<Pending> q : List.of(queued, inFlight)) {
      for (Pending p = q.poll(); p != null; p = q.poll()) {
        release(p);
        p.fail(code, why);
      }
    }
    if (replying != null) {
      replying.fail(code, why);
      replying = null;
    }
  }

  boolean isClosed() {
    return closed;
  }

  io.netty.channel.EventLoop eventLoop() {
    return ctx.channel().eventLoop();
  }

  void close() {
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    timer.cancel(false);
    failAll(ErrorCode.TRANSFER_FAIL, "data connection closed");
    onClosed.run();
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    failAll(ErrorCode.TRANSFER_FAIL, "data connection error: " + cause.getMessage());
    ctx.close();
  }
}
