package io.kvcache.bus;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one event-bus codec: every body is a protobuf message generated from {@code src/main/proto}.
 *
 * <p>Local delivery passes the (immutable) message object through untouched. Cluster delivery writes
 * {@code [u16 class-name length][class name][u32 payload length][payload]}; the receiver only instantiates parsers for
 * classes under {@link #ALLOWED_PACKAGE}, so a peer cannot make us load arbitrary classes.
 *
 * <p>Thread-safe: the parser cache is a concurrent map, everything else is stateless.
 */
public final class ProtoCodec implements MessageCodec<Message, Message> {
  public static final String NAME = "kvstore.proto";
  static final String ALLOWED_PACKAGE = "io.kvcache.proto.";

  private static final ConcurrentHashMap<String, Parser<? extends Message>> PARSERS = new ConcurrentHashMap<>();

  /** Registers the codec on {@code bus} and selects it for every protobuf body. Call once per Vert.x instance. */
  public static void register(EventBus bus) {
    bus.registerCodec(new ProtoCodec());
    bus.codecSelector(body -> body instanceof Message ? NAME : null);
  }

  @Override
  public void encodeToWire(Buffer buffer, Message message) {
    byte[] name = message.getClass().getName().getBytes(StandardCharsets.UTF_8);
    byte[] payload = message.toByteArray();
    buffer.appendUnsignedShort(name.length).appendBytes(name).appendInt(payload.length).appendBytes(payload);
  }

  @Override
  public Message decodeFromWire(int pos, Buffer buffer) {
    int nameLength = buffer.getUnsignedShort(pos);
    String name = buffer.getString(pos + 2, pos + 2 + nameLength, "UTF-8");
    int payloadStart = pos + 2 + nameLength + 4;
    int payloadLength = buffer.getInt(pos + 2 + nameLength);
    byte[] payload = buffer.getBytes(payloadStart, payloadStart + payloadLength);
    try {
      return parserFor(name).parseFrom(payload);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("malformed event-bus body of type " + name, e);
    }
  }

  @Override
  public Message transform(Message message) {
    return message; // protobuf messages are immutable: local delivery shares the instance
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }

  static Parser<? extends Message> parserFor(String className) {
    Parser<? extends Message> parser = PARSERS.get(className);
    return parser != null ? parser : PARSERS.computeIfAbsent(className, ProtoCodec::loadParser);
  }

  private static Parser<? extends Message> loadParser(String className) {
    if (!className.startsWith(ALLOWED_PACKAGE)) {
      throw new IllegalArgumentException("event-bus body type outside " + ALLOWED_PACKAGE + ": " + className);
    }
    try {
      Class<?> type = Class.forName(className, false, ProtoCodec.class.getClassLoader());
      if (!Message.class.isAssignableFrom(type)) {
        throw new IllegalArgumentException("event-bus body type is not a protobuf message: " + className);
      }
      Message prototype = (Message) type.getMethod("getDefaultInstance").invoke(null);
      return prototype.getParserForType();
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException("unknown event-bus body type: " + className, e);
    }
  }
}
