package io.kvcache.storage.peer;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A data-protocol client made of a plain socket, for tests that send what {@link PeerClientConnection} never would:
 * reads the HELLO and answers it with a proof the test computes (or makes up).
 */
final class RawPeer implements AutoCloseable {
  final Socket socket;
  final DataInputStream in;
  final DataOutputStream out;
  final byte[] nonce = new byte[PeerWire.NONCE_BYTES];

  RawPeer(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(15_000);
    in = new DataInputStream(socket.getInputStream());
    out = new DataOutputStream(socket.getOutputStream());
    assertEquals(PeerWire.MAGIC, in.readInt());
    in.readFully(nonce);
  }

  void auth(String segmentName, byte[] proof) throws IOException {
    byte[] name = segmentName.getBytes(StandardCharsets.UTF_8);
    out.writeInt(PeerWire.MAGIC);
    out.writeShort(name.length);
    out.write(name);
    out.write(proof);
  }

  void write(int id, long offset, long term, byte[] payload) throws IOException {
    java.nio.ByteBuffer request = java.nio.ByteBuffer.allocate(PeerWire.REQUEST_HEADER_BYTES + payload.length);
    request.put(PeerWire.WRITE).putInt(id).putLong(offset).putLong(payload.length).putLong(term).put(payload);
    send(request.array());
  }

  void read(int id, long offset, long length) throws IOException {
    java.nio.ByteBuffer request = java.nio.ByteBuffer.allocate(PeerWire.REQUEST_HEADER_BYTES);
    request.put(PeerWire.READ).putInt(id).putLong(offset).putLong(length).putLong(0);
    send(request.array());
  }

  /** A LOADED request whose header declares {@code refLength} bytes of reference and sends {@code ref}. */
  void loaded(int id, long index, long length, long refLength, byte[] ref) throws IOException {
    java.nio.ByteBuffer request = java.nio.ByteBuffer.allocate(PeerWire.REQUEST_HEADER_BYTES + ref.length);
    request.put(PeerWire.LOADED).putInt(id).putLong(index).putLong(length).putLong(refLength).put(ref);
    send(request.array());
  }

  /** Sends {@code bytes}; a server that already closed the connection (a refusal) is no error here. */
  private void send(byte[] bytes) throws IOException {
    try {
      out.write(bytes);
      out.flush();
    } catch (java.net.SocketException closedByServer) {
      // closedWithoutReply() tells what the server did
    }
  }

  /** Reads a reply that must be request {@code id} answered OK with {@code length} bytes; returns the bytes. */
  byte[] okReply(int id, int length) throws IOException {
    assertEquals(id, in.readInt());
    assertEquals(0, in.readInt(), "OK");
    assertEquals(length, in.readLong());
    byte[] got = new byte[length];
    in.readFully(got);
    return got;
  }

  /** True if the server closed the connection without sending another byte. */
  boolean closedWithoutReply() throws IOException {
    try {
      return in.read() == -1;
    } catch (java.net.SocketException reset) {
      return true; // closed while our bytes were unread: a reset, no reply either
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
