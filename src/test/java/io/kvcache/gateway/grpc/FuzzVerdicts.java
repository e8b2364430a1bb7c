package io.kvcache.gateway.grpc;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;

import java.util.Set;

/**
 * Whether what the server answered a fuzzed call is allowed. The allowed statuses come from the transport and the
 * handlers (README, "gRPC API"; {@code GrpcConnection}, {@code ServerCall}, {@code MessageDeframer}, {@code GrpcCodec},
 * {@code Validation}):
 * <ul>
 *   <li>OK — the call ran (domain errors travel in the reply's {@code code}); the body must then be well-formed
 *       uncompressed gRPC messages of the method's response type, exactly one for a unary reply;</li>
 *   <li>INVALID_ARGUMENT — not a POST, no message or several for a unary call, a stream that ends inside a message,
 *       a message that does not parse (gzip that does not inflate included), a batch over max_batch_size;</li>
 *   <li>DEADLINE_EXCEEDED — a request message that stopped growing for grpc_message_timeout_ms;</li>
 *   <li>RESOURCE_EXHAUSTED — a declared length over the message limit, gzip inflating past it, a connection or node
 *       over its budget of held request bytes;</li>
 *   <li>UNIMPLEMENTED — an unknown path, a content type other than application/grpc(+proto), an encoding other than
 *       identity or gzip;</li>
 *   <li>INTERNAL — only for a message whose compressed flag is set without grpc-encoding gzip, or whose flags byte is
 *       neither 0 nor 1 (as gRPC specifies); any other INTERNAL is a failure of ours (the server logs it as a defect).</li>
 * </ul>
 * Never UNKNOWN, and never CANCELLED either: the server sends no status once the client reset a stream, and no method
 * answers NOT_FOUND or FAILED_PRECONDITION as a status (reflection's NOT_FOUND is inside its reply). A reset with no
 * status before it is allowed only as REFUSED_STREAM (a stream past grpc_max_concurrent_streams); a reset after the
 * status (CANCEL, for a client that had not finished sending) ends the stream's other half and is not a second answer.
 *
 * <p>Stateless and thread-safe.
 */
final class FuzzVerdicts {
  private FuzzVerdicts() {}

  static final Set<Integer> ALLOWED = Set.of(ProtocolFuzzer.OK, ProtocolFuzzer.INVALID_ARGUMENT,
      ProtocolFuzzer.DEADLINE_EXCEEDED, ProtocolFuzzer.RESOURCE_EXHAUSTED, ProtocolFuzzer.UNIMPLEMENTED,
      ProtocolFuzzer.INTERNAL);
  static final long REFUSED_STREAM = 7;

  /** A label for the stats: the status name, or how the stream ended without one. */
  static String label(RawH2Client.Outcome o) {
    if (o == null) {
      return "no answer (client cancelled)";
    }
    if (o.connectionClosed()) {
      return "connection closed";
    }
    if (o.reset()) {
      return "reset " + o.resetCode();
    }
    if (o.grpcStatus() < 0) {
      return "HTTP " + o.httpStatus() + " without grpc-status";
    }
    return FuzzStats.statusName(o.grpcStatus());
  }

  /**
   * Null if {@code o} (null: nothing came) is an allowed answer to {@code in}, else why not. {@code statuses} is the
   * number of gRPC statuses the stream received.
   */
  static String check(ProtocolFuzzer.StreamInput in, RawH2Client.Outcome o, int statuses) {
    if (statuses > 1) {
      return "answered " + statuses + " times";
    }
    if (o == null) {
      return in.expect() == ProtocolFuzzer.Expect.ANSWER ? "no answer" : null;
    }
    if (o.connectionClosed()) {
      return "the connection closed under a call-level input";
    }
    if (o.reset()) {
      return o.resetCode() == REFUSED_STREAM ? null : "reset (code " + o.resetCode() + ") without a status";
    }
    int status = o.grpcStatus();
    if (status < 0) {
      return "ended without a grpc-status (HTTP " + o.httpStatus() + ")";
    }
    if (!"200".equals(o.httpStatus())) {
      return "grpc-status " + status + " with HTTP status " + o.httpStatus();
    }
    if (!ALLOWED.contains(status)) {
      return "status " + FuzzStats.statusName(status) + " is not in the allowed set (" + o.grpcMessage() + ")";
    }
    if (status == ProtocolFuzzer.INTERNAL && !o.grpcMessage().contains("compressed message without grpc-encoding")
        && !o.grpcMessage().contains("invalid message flags")) {
      return "INTERNAL for something other than a compressed flag: " + o.grpcMessage();
    }
    if (in.expectedStatus() != null && in.expectedStatus() != status) {
      return "status " + FuzzStats.statusName(status) + " where " + FuzzStats.statusName(in.expectedStatus())
          + " is due (" + o.grpcMessage() + ")";
    }
    if (status == ProtocolFuzzer.OK) {
      return checkBody(o.body(), in.target().response(), !in.target().serverStreaming());
    }
    return null;
  }

  /** Null if {@code body} is gRPC messages of {@code type} (exactly one if {@code single}), else why not. */
  static String checkBody(byte[] body, Descriptor type, boolean single) {
    int pos = 0;
    int count = 0;
    while (pos < body.length) {
      if (body.length - pos < 5) {
        return "reply body ends inside a prefix";
      }
      if (body[pos] != 0) {
        return "reply message with flags " + body[pos];
      }
      long size = RawH2Client.declaredLength(body, pos);
      if (size > body.length - pos - 5) {
        return "reply body ends inside a message";
      }
      try {
        DynamicMessage.parseFrom(type, java.util.Arrays.copyOfRange(body, pos + 5, pos + 5 + (int) size));
      } catch (InvalidProtocolBufferException e) {
        return "reply message does not parse as " + type.getName() + ": " + e.getMessage();
      }
      pos += 5 + (int) size;
      count++;
    }
    return single && count != 1 ? "OK with " + count + " reply messages for a unary reply" : null;
  }
}
