"""The same-host path: registered buffers, batch_put_from / batch_get_into, byte-exact, per-key codes."""

import glob
import os

import numpy
import pytest

from conftest import page
from kvstore_client import ErrorCode, KvStoreClient, KvStoreError
from kvstore_client.proto import kvstore_pb2 as pb

PAGE = 64 << 10


def test_registered_buffer_is_shared_writable_memory_and_leaves_no_file(uds):
    buffer = uds.register_buffer(1 << 20)
    assert buffer.registered and buffer.size == 1 << 20
    assert glob.glob("/dev/shm/kvstore-%d-*" % os.getpid()) == []  # unlinked once registered
    buffer.view[0:5] = b"hello"
    array = buffer.array()
    assert bytes(array[0:5]) == b"hello"
    array[5:8] = [1, 2, 3]  # numpy writes are the same memory
    assert bytes(buffer.view[5:8]) == b"\x01\x02\x03"
    assert uds.buffers() == [buffer]


def test_128_pages_of_64k_round_trip_byte_exact(uds, tcp):
    count = 128
    buffer = uds.register_buffer(2 * count * PAGE)
    keys = ["page-%d" % i for i in range(count)]
    pages = [page(i, PAGE) for i in range(count)]
    view = buffer.view
    for i, content in enumerate(pages):
        view[i * PAGE:(i + 1) * PAGE] = content
    codes = uds.batch_put_from(keys, [i * PAGE for i in range(count)], [PAGE] * count)
    assert codes == [ErrorCode.OK] * count
    # Into the other half of the buffer, in reverse order.
    base = count * PAGE
    offsets = [base + (count - 1 - i) * PAGE for i in range(count)]
    got = uds.batch_get_into(keys, offsets, [PAGE] * count)
    assert got.codes == [ErrorCode.OK] * count
    assert got.lengths == [PAGE] * count
    for i, content in enumerate(pages):
        assert bytes(view[offsets[i]:offsets[i] + PAGE]) == content, "page %d" % i
    # The same bytes through the message path.
    assert list(tcp.batch_get(keys[:8])) == pages[:8]


def test_16_values_of_1mib_round_trip_byte_exact(uds, node):
    size = min(1 << 20, node.max_value_size)
    buffer = uds.register_buffer(32 * size)
    values = [page(1000 + i, size) for i in range(16)]
    array = buffer.array()
    for i, value in enumerate(values):
        array[i * size:(i + 1) * size] = numpy.frombuffer(value, dtype=numpy.uint8)
    keys = ["mib-%d" % i for i in range(16)]
    assert uds.batch_put_from(keys, [i * size for i in range(16)], [size] * 16) == [ErrorCode.OK] * 16
    array[:] = 0
    got = uds.batch_get_into(keys, [(16 + i) * size for i in range(16)], [size] * 16)
    assert got.codes == [ErrorCode.OK] * 16
    for i, value in enumerate(values):
        assert array[(16 + i) * size:(17 + i) * size].tobytes() == value


def test_get_into_reports_hits_misses_and_values_too_large(uds):
    buffer = uds.register_buffer(1 << 20)
    view = buffer.view
    view[0:300] = page(7, 300)
    assert uds.batch_put_from(["a", "b"], [0, 100], [100, 200]) == [ErrorCode.OK, ErrorCode.OK]
    view[4096:8192] = b"\xee" * 4096  # sentinel: what is not written stays
    got = uds.batch_get_into(["a", "missing", "b", "b", "a"], [4096, 4296, 4396, 5000, 6000], [100, 100, 199, 0, 4096])
    assert got.codes == [ErrorCode.OK, ErrorCode.OBJECT_NOT_FOUND, ErrorCode.BUFFER_OVERFLOW,
                         ErrorCode.BUFFER_OVERFLOW, ErrorCode.OK]
    assert got.lengths == [100, 0, 200, 200, 100]
    assert bytes(view[4096:4196]) == page(7, 300)[0:100]
    assert bytes(view[4196:6000]) == b"\xee" * (6000 - 4196)  # the miss and the overflows wrote nothing
    assert bytes(view[6000:6100]) == page(7, 300)[0:100]
    assert bytes(view[6100:8192]) == b"\xee" * (8192 - 6100)


def test_leading_hits_after_put_from(uds):
    buffer = uds.register_buffer(1 << 16)
    buffer.view[0:10] = b"0123456789"
    uds.batch_put_from(["h0", "h1", "h3"], [0, 1, 3], [1, 1, 1])
    found = uds.batch_exists(["h0", "h1", "h2", "h3"])
    assert found == ([True, True, False, True], 2)


def test_several_buffers_need_the_buffer_named(uds):
    first, second = uds.register_buffer(4096), uds.register_buffer(8192)
    second.view[0:3] = b"two"
    with pytest.raises(ValueError):
        uds.batch_put_from(["k"], [0], [3])
    assert uds.batch_put_from(["k"], [0], [3], buffer=second) == [ErrorCode.OK]
    assert uds.batch_get_into(["k"], [100], [3], buffer=first).codes == [ErrorCode.OK]
    assert bytes(first.view[100:103]) == b"two"


def test_unregistered_buffer_cannot_be_used(uds):
    buffer = uds.register_buffer(4096)
    buffer_id = buffer.buffer_id
    buffer.view[0:1] = b"x"
    buffer.unregister()
    buffer.unregister()  # idempotent
    assert not buffer.registered and uds.buffers() == []
    with pytest.raises(KvStoreError) as failure:
        uds.batch_put_from(["k"], [0], [1], buffer=buffer)
    assert failure.value.code == ErrorCode.ILLEGAL_CLIENT
    # The node refuses the old id too (asked directly, past the client's own check).
    reply = uds._put_from(pb.BatchPutFromRequest(namespace=uds.namespace, buffer_id=buffer_id,
                                                 items=[pb.BufferRange(key="k", offset=0, length=1)]))
    assert list(reply.codes) == [ErrorCode.ILLEGAL_CLIENT]
    assert not uds.exists("k")


def test_another_connections_buffer_id_is_refused(node, ns, uds, tcp):
    owned = uds.register_buffer(4096)
    owned.view[0:4] = b"mine"
    with KvStoreClient("unix:" + node.uds, namespace=ns) as other:
        for call, request in (
                (other._put_from, pb.BatchPutFromRequest(namespace=ns, buffer_id=owned.buffer_id,
                                                         items=[pb.BufferRange(key="stolen", offset=0, length=4)])),
                (other._get_into, pb.BatchGetIntoRequest(namespace=ns, buffer_id=owned.buffer_id,
                                                         items=[pb.BufferRange(key="stolen", offset=0, length=4)]))):
            assert list(call(request).codes) == [ErrorCode.ILLEGAL_CLIENT]
        reply = other._unregister(pb.UnregisterBufferRequest(buffer_id=owned.buffer_id))
        assert reply.code == ErrorCode.ILLEGAL_CLIENT
    assert not tcp.exists("stolen")
    # ... and the owner still has it.
    assert uds.batch_put_from(["mine"], [0], [4]) == [ErrorCode.OK]
    assert tcp.get("mine") == b"mine"


def test_close_unregisters_every_buffer(node, ns):
    client = KvStoreClient("unix:" + node.uds, namespace=ns)
    buffers = [client.register_buffer(4096) for _ in range(3)]
    client.close()
    assert all(not b.registered for b in buffers)
    assert client.buffers() == []


def test_registration_over_tcp_is_refused(tcp):
    with pytest.raises(KvStoreError) as failure:
        tcp.register_buffer(4096)
    assert failure.value.code == ErrorCode.ILLEGAL_CLIENT
    assert "Unix socket" in failure.value.message
    assert glob.glob("/dev/shm/kvstore-%d-*" % os.getpid()) == []
