"""KvStoreClient: the store's gRPC API for Python engines, plus the same-host path (registered shared buffers)."""

import collections
import os
import threading

import grpc

from .errors import ErrorCode, KvStoreError, codes_of
from .proto import kvstore_pb2 as pb
from .shm import RegisteredBuffer, create_shm_file

_SERVICE = "/kvstore.v1.KvStore/"
_HEALTH_CHECK = "/grpc.health.v1.Health/Check"
_SERVING = b"\x08\x01"  # HealthCheckResponse{status: SERVING}
# BatchPut packs whole items (keys and values) into chunks of at most this many bytes, or one larger item alone: every
# chunk then fits the node's message limit (max_value_size + 1 MiB), whatever max_value_size is.
_CHUNK_BYTES = 1 << 20

ExistsResult = collections.namedtuple("ExistsResult", ["flags", "leading_hits"])
ExistsResult.__doc__ = "Per-key existence flags and the number of keys, from the first, that exist before a miss."

GetIntoResult = collections.namedtuple("GetIntoResult", ["lengths", "codes"])
GetIntoResult.__doc__ = ("Per key: the value's length (its bytes are at the key's offset) and its ErrorCode; on "
                         "BUFFER_OVERFLOW the length is the value's size, which did not fit (nothing was written).")


class BatchGetResult(list):
    """The values of a batch_get, in key order (None where a key has no value); ``codes`` holds each key's ErrorCode."""

    def __init__(self, values, codes):
        super().__init__(values)
        self.codes = codes


def _target(target):
    if target.startswith("/"):
        return "unix:" + target
    return target


class KvStoreClient:
    """A client of one kvcache-store node.

    ``target`` is ``"unix:/path/to/kvstore.sock"`` (the node's ``grpc_uds_path``: required for registered buffers) or
    ``"host:port"`` (TCP). Calls are thread-safe. Every call takes ``timeout`` seconds at most (KvStoreError with
    RPC_TIMEOUT after). Keys live in ``namespace`` unless a call names another.

    Single-key calls raise KvStoreError when the key fails; batch calls return one ErrorCode per key and raise only when
    the call as a whole fails.
    """

    def __init__(self, target, namespace="", timeout=30.0, shm_dir="/dev/shm", max_message_bytes=256 << 20):
        self.target = _target(target)
        self.namespace = namespace
        self.timeout = timeout
        self.shm_dir = shm_dir
        options = [
            ("grpc.max_send_message_length", max_message_bytes),
            ("grpc.max_receive_message_length", max_message_bytes),
            # A connection of our own: registered buffers are bound to it (the global pool would share one between
            # clients of the same target).
            ("grpc.use_local_subchannel_pool", 1),
            # Keep the connection (and so the buffers registered on it) through idle periods: never idle the channel,
            # and ping so the node's idle timeout does not close it.
            ("grpc.client_idle_timeout_ms", 2**31 - 1),
            ("grpc.keepalive_time_ms", 60000),
            ("grpc.keepalive_timeout_ms", 20000),
            ("grpc.keepalive_permit_without_calls", 1),
            ("grpc.http2.max_pings_without_data", 0),
        ]
        self._channel = grpc.insecure_channel(self.target, options=options)
        self._lock = threading.Lock()
        self._buffers = {}
        self._closed = False
        unary = self._unary
        self._put = unary("Put", pb.PutRequest, pb.PutReply)
        self._get = unary("Get", pb.GetRequest, pb.GetReply)
        self._batch_put = self._channel.stream_unary(
            _SERVICE + "BatchPut", request_serializer=pb.BatchPutChunk.SerializeToString,
            response_deserializer=pb.BatchPutReply.FromString)
        self._batch_get = self._channel.unary_stream(
            _SERVICE + "BatchGet", request_serializer=pb.BatchGetRequest.SerializeToString,
            response_deserializer=pb.BatchGetChunk.FromString)
        self._batch_exists = unary("BatchExists", pb.BatchExistsRequest, pb.BatchExistsReply)
        self._remove = unary("Remove", pb.RemoveRequest, pb.RemoveReply)
        self._batch_remove = unary("BatchRemove", pb.BatchRemoveRequest, pb.BatchRemoveReply)
        self._remove_all = unary("RemoveAll", pb.RemoveAllRequest, pb.RemoveAllReply)
        self._register = unary("RegisterBuffer", pb.RegisterBufferRequest, pb.RegisterBufferReply)
        self._unregister = unary("UnregisterBuffer", pb.UnregisterBufferRequest, pb.UnregisterBufferReply)
        self._put_from = unary("BatchPutFrom", pb.BatchPutFromRequest, pb.BatchPutFromReply)
        self._get_into = unary("BatchGetInto", pb.BatchGetIntoRequest, pb.BatchGetIntoReply)
        self._health = self._channel.unary_unary(
            _HEALTH_CHECK, request_serializer=lambda _: b"", response_deserializer=lambda raw: raw)

    def _unary(self, name, request_type, reply_type):
        return self._channel.unary_unary(_SERVICE + name, request_serializer=request_type.SerializeToString,
                                         response_deserializer=reply_type.FromString)

    def _call(self, name, method, request):
        try:
            return method(request, timeout=self.timeout)
        except grpc.RpcError as e:
            raise KvStoreError.from_rpc(e, name) from None

    def _ns(self, namespace):
        return self.namespace if namespace is None else namespace

    @staticmethod
    def _config(replica_num, preferred_segments):
        if replica_num is None and not preferred_segments:
            return None
        config = pb.ReplicateConfig(preferred_segments=list(preferred_segments or ()))
        if replica_num is not None:
            config.replica_num = replica_num
        return config

    # ------------------------------------------------------------------------------------------------ lifecycle

    def wait_ready(self, timeout=30.0):
        """Waits until the node answers its health check with SERVING (it serves once its master is known)."""
        import time

        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                if self._health(None, timeout=min(2.0, max(0.1, deadline - time.monotonic()))) == _SERVING:
                    return
                last = "not serving yet"
            except grpc.RpcError as e:
                last = e.details() or e.code().name
            time.sleep(0.05)
        raise KvStoreError(ErrorCode.RPC_TIMEOUT, "node at %s not ready after %.1f s: %s" % (self.target, timeout, last))

    def close(self):
        """Unregisters this client's buffers (best effort) and closes the connection; idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            buffers = list(self._buffers.values())
            self._buffers.clear()
        for buffer in buffers:
            try:
                self._unregister(pb.UnregisterBufferRequest(buffer_id=buffer.buffer_id), timeout=self.timeout)
            except grpc.RpcError:
                pass  # closing the connection unregisters it anyway
            buffer._release()
        self._channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # ------------------------------------------------------------------------------------------------ one key

    def put(self, key, value, namespace=None, replica_num=None, preferred_segments=None):
        """Stores ``value`` (bytes-like, not empty) under ``key``; raises KvStoreError if it was not stored."""
        reply = self._call("Put", self._put, pb.PutRequest(
            namespace=self._ns(namespace), key=key, value=bytes(value),
            config=self._config(replica_num, preferred_segments)))
        if reply.code != ErrorCode.OK:
            raise KvStoreError(reply.code, "put %r: %s" % (key, reply.message) if reply.message else "put %r" % key)

    def get(self, key, namespace=None):
        """The value of ``key``, or None if there is none; raises KvStoreError for any other failure."""
        reply = self._call("Get", self._get, pb.GetRequest(namespace=self._ns(namespace), key=key))
        if reply.code == ErrorCode.OBJECT_NOT_FOUND:
            return None
        if reply.code != ErrorCode.OK:
            raise KvStoreError(reply.code, "get %r: %s" % (key, reply.message) if reply.message else "get %r" % key)
        return reply.value

    def exists(self, key, namespace=None):
        return self.batch_exists([key], namespace=namespace).flags[0]

    def remove(self, key, namespace=None, force=False):
        """True if ``key`` was removed, False if it did not exist; raises KvStoreError otherwise (e.g. OBJECT_HAS_LEASE
        while a reader's lease holds, unless ``force``)."""
        reply = self._call("Remove", self._remove, pb.RemoveRequest(namespace=self._ns(namespace), key=key, force=force))
        if reply.code == ErrorCode.OBJECT_NOT_FOUND:
            return False
        if reply.code != ErrorCode.OK:
            raise KvStoreError(reply.code, "remove %r" % key)
        return True

    # ------------------------------------------------------------------------------------------------ batches

    def batch_put(self, keys, values, namespace=None, replica_num=None, preferred_segments=None):
        """Stores each value under its key (values travel in gRPC messages); one ErrorCode per key."""
        keys = list(keys)
        values = list(values)
        if len(keys) != len(values):
            raise ValueError("%d keys but %d values" % (len(keys), len(values)))
        if not keys:
            return []
        first = pb.BatchPutChunk(namespace=self._ns(namespace), config=self._config(replica_num, preferred_segments))

        def chunks():
            chunk, size = first, 0
            for key, value in zip(keys, values):
                item = len(key.encode()) + len(value)
                if size and size + item > _CHUNK_BYTES:
                    yield chunk
                    chunk, size = pb.BatchPutChunk(), 0
                chunk.items.append(pb.PutItem(key=key, value=bytes(value)))
                size += item
            yield chunk

        reply = self._call("BatchPut", self._batch_put, chunks())
        return codes_of(reply.codes)

    def batch_get(self, keys, namespace=None):
        """The values of ``keys`` (values travel in gRPC messages): a list with None where a key has no value, and
        ``.codes`` with each key's ErrorCode."""
        keys = list(keys)
        values = [None] * len(keys)
        codes = [ErrorCode.OBJECT_NOT_FOUND] * len(keys)
        if not keys:
            return BatchGetResult(values, codes)
        try:
            for chunk in self._batch_get(pb.BatchGetRequest(namespace=self._ns(namespace), keys=keys),
                                         timeout=self.timeout):
                for item in chunk.items:
                    if item.index >= len(keys):
                        raise KvStoreError(ErrorCode.INTERNAL_ERROR, "BatchGet: reply for item %d of %d"
                                           % (item.index, len(keys)))
                    codes[item.index] = ErrorCode(item.code)
                    values[item.index] = item.value if item.code == ErrorCode.OK else None
        except grpc.RpcError as e:
            raise KvStoreError.from_rpc(e, "BatchGet") from None
        return BatchGetResult(values, codes)

    def batch_exists(self, keys, namespace=None):
        """Per-key flags and the leading-hit count (keys from the first up to the first miss), as a prefix-cache probe
        wants. Grants the existing keys a read lease."""
        keys = list(keys)
        if not keys:
            return ExistsResult([], 0)
        reply = self._call("BatchExists", self._batch_exists,
                           pb.BatchExistsRequest(namespace=self._ns(namespace), keys=keys))
        return ExistsResult(list(reply.exists), reply.leading_hits)

    def batch_remove(self, keys, namespace=None, force=False):
        reply = self._call("BatchRemove", self._batch_remove,
                           pb.BatchRemoveRequest(namespace=self._ns(namespace), keys=list(keys), force=force))
        return codes_of(reply.codes)

    def remove_all(self, force=False, namespace=None, all_namespaces=False):
        """Removes every key of the namespace (this client's unless named), or of every namespace with
        ``all_namespaces``; returns how many. Keys under a read lease stay unless ``force``. Raises KvStoreError if the
        node refused the call (e.g. INVALID_PARAMS for a namespace together with ``all_namespaces``)."""
        request = pb.RemoveAllRequest(force=force, all_namespaces=all_namespaces)
        if not all_namespaces:
            request.namespace = self._ns(namespace)
        elif namespace:
            request.namespace = namespace  # the node refuses the pair; say so rather than drop the namespace
        reply = self._call("RemoveAll", self._remove_all, request)
        if reply.code != ErrorCode.OK:
            raise KvStoreError(reply.code, "RemoveAll: " + reply.message if reply.message else "RemoveAll")
        return reply.removed

    # ------------------------------------------------------------------------------------------- same host

    def register_buffer(self, size):
        """A new shared buffer of ``size`` bytes, registered with the node (needs a ``unix:`` target on the node's
        host, as the node's user). Raises KvStoreError if the node refuses it."""
        path, region = create_shm_file(self.shm_dir, size)
        try:
            reply = self._call("RegisterBuffer", self._register, pb.RegisterBufferRequest(path=path, size=size))
        except BaseException:
            region.close()
            raise
        finally:
            os.unlink(path)  # registered or not, the name goes: the node's mapping and ours keep the memory
        if reply.code != ErrorCode.OK:
            region.close()
            raise KvStoreError(reply.code, "RegisterBuffer: " + reply.message)
        buffer = RegisteredBuffer(self, reply.buffer_id, region, size)
        with self._lock:
            self._buffers[buffer.buffer_id] = buffer
        return buffer

    def unregister_buffer(self, buffer):
        """Unregisters ``buffer`` (idempotent). The node unmaps it once calls using it have finished."""
        with self._lock:
            mine = self._buffers.pop(buffer.buffer_id, None)
        if mine is None:
            return
        try:
            reply = self._call("UnregisterBuffer", self._unregister,
                               pb.UnregisterBufferRequest(buffer_id=buffer.buffer_id))
        finally:
            buffer._release()
        if reply.code != ErrorCode.OK:
            raise KvStoreError(reply.code, "UnregisterBuffer: the node does not know this buffer on this connection")

    def _buffer_for(self, buffer):
        with self._lock:
            if buffer is None:
                if len(self._buffers) != 1:
                    raise ValueError("pass buffer=: this client has %d registered buffers" % len(self._buffers))
                return next(iter(self._buffers.values()))
            if self._buffers.get(buffer.buffer_id) is not buffer:
                raise KvStoreError(ErrorCode.ILLEGAL_CLIENT, "the buffer is not registered by this client")
            return buffer

    @staticmethod
    def _add_ranges(request, keys, offsets, lengths):
        keys, offsets, lengths = list(keys), list(offsets), list(lengths)
        if not len(keys) == len(offsets) == len(lengths):
            raise ValueError("%d keys, %d offsets, %d lengths" % (len(keys), len(offsets), len(lengths)))
        add = request.items.add
        for key, offset, length in zip(keys, offsets, lengths):
            add(key=key, offset=int(offset), length=int(length))
        return request

    @staticmethod
    def _check_binding(codes, buffer, method):
        if codes and all(c == ErrorCode.ILLEGAL_CLIENT for c in codes):
            raise KvStoreError(ErrorCode.ILLEGAL_CLIENT, "%s: the node does not know buffer %s on this connection "
                               "(unregistered, or the connection was re-established); register a new buffer"
                               % (method, buffer.buffer_id))

    def batch_put_from(self, keys, offsets, lengths, buffer=None, namespace=None, replica_num=None,
                       preferred_segments=None):
        """Stores, for each key, the ``lengths[i]`` bytes at ``offsets[i]`` of the registered ``buffer`` (the client's
        only buffer if omitted): the node copies them straight from the shared memory. One ErrorCode per key
        (INVALID_PARAMS for a range outside the buffer; nothing is stored for it)."""
        buffer = self._buffer_for(buffer)
        request = pb.BatchPutFromRequest(namespace=self._ns(namespace), buffer_id=buffer.buffer_id,
                                         config=self._config(replica_num, preferred_segments))
        reply = self._call("BatchPutFrom", self._put_from, self._add_ranges(request, keys, offsets, lengths))
        codes = codes_of(reply.codes)
        self._check_binding(codes, buffer, "BatchPutFrom")
        return codes

    def batch_get_into(self, keys, offsets, capacities, buffer=None, namespace=None):
        """Copies each key's value into the registered ``buffer`` at ``offsets[i]``, if it fits ``capacities[i]``
        bytes. Returns GetIntoResult(lengths, codes)."""
        buffer = self._buffer_for(buffer)
        request = pb.BatchGetIntoRequest(namespace=self._ns(namespace), buffer_id=buffer.buffer_id)
        reply = self._call("BatchGetInto", self._get_into, self._add_ranges(request, keys, offsets, capacities))
        codes = codes_of(reply.codes)
        self._check_binding(codes, buffer, "BatchGetInto")
        return GetIntoResult(list(reply.lengths), codes)

    def buffers(self):
        """This client's registered buffers."""
        with self._lock:
            return list(self._buffers.values())
