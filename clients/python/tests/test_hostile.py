"""A hostile or broken client: every bad range, id, file and count gets its code, nothing is written, the node stays
healthy."""

import os
import secrets

import pytest

from conftest import page
from kvstore_client import ErrorCode, KvStoreClient, KvStoreError
from kvstore_client.proto import kvstore_pb2 as pb
from kvstore_client.shm import create_shm_file

I64_MAX = 2**63 - 1


def bad_ranges(size, max_value_size):
    """(offset, length) pairs that must be refused for a buffer of ``size`` bytes."""
    return [
        (-1, 10), (0, -1), (-(2**63), 1), (1, -(2**63)),
        (size, 1), (size - 1, 2), (0, size + 1),
        (I64_MAX, 1), (1, I64_MAX), (I64_MAX, I64_MAX),
        (I64_MAX - 5, 16),          # offset + length overflows a signed 64-bit sum
        (2**62, 2**62),             # ... exactly to 2^63
        (0, max_value_size + 1),    # longer than any value may be (the buffer is larger)
    ]


@pytest.fixture
def big_buffer(uds, node):
    return uds.register_buffer(node.max_value_size + (1 << 20))


def assert_healthy(node, ns):
    with KvStoreClient(node.tcp, namespace=ns) as probe:
        probe.wait_ready(10)
        probe.put("health-" + secrets.token_hex(4), b"ok")


def test_bad_put_ranges_are_refused_per_key_and_write_nothing(uds, tcp, node, ns, big_buffer):
    ranges = bad_ranges(big_buffer.size, node.max_value_size) + [(0, 0)]  # a value is never empty
    keys = ["bad-%d" % i for i in range(len(ranges))] + ["good"]
    big_buffer.view[0:4] = b"good"
    codes = uds.batch_put_from(keys, [o for o, _ in ranges] + [0], [n for _, n in ranges] + [4])
    assert codes == [ErrorCode.INVALID_PARAMS] * len(ranges) + [ErrorCode.OK]
    assert tcp.batch_exists(keys).flags == [False] * len(ranges) + [True]
    assert_healthy(node, ns)


def test_bad_get_ranges_are_refused_per_key_and_write_nothing(uds, tcp, node, ns, big_buffer):
    tcp.put("there", page(3, 1000))
    ranges = bad_ranges(big_buffer.size, node.max_value_size)
    view = big_buffer.view
    view[0:1 << 20] = b"\x5a" * (1 << 20)
    got = uds.batch_get_into(["there"] * len(ranges) + ["there"], [o for o, _ in ranges] + [8192],
                             [n for _, n in ranges] + [1000])
    assert got.codes == [ErrorCode.INVALID_PARAMS] * len(ranges) + [ErrorCode.OK]
    assert bytes(view[0:8192]) == b"\x5a" * 8192
    assert bytes(view[8192:9192]) == page(3, 1000)
    assert bytes(view[view.nbytes - 4096:]) == b"\x00" * 4096
    assert_healthy(node, ns)


def test_unknown_and_empty_ids_are_refused(uds, tcp):
    for buffer_id in (secrets.token_hex(16), "", "x" * 10000):
        item = pb.BufferRange(key="k", offset=0, length=1)
        put = uds._put_from(pb.BatchPutFromRequest(namespace=uds.namespace, buffer_id=buffer_id, items=[item, item]))
        assert list(put.codes) == [ErrorCode.ILLEGAL_CLIENT] * 2 and put.stored == 0
        got = uds._get_into(pb.BatchGetIntoRequest(namespace=uds.namespace, buffer_id=buffer_id, items=[item]))
        assert list(got.codes) == [ErrorCode.ILLEGAL_CLIENT]
        assert uds._unregister(pb.UnregisterBufferRequest(buffer_id=buffer_id)).code == ErrorCode.ILLEGAL_CLIENT
    assert not tcp.exists("k")


def test_batch_over_max_batch_size_is_refused(uds, tcp, node):
    buffer = uds.register_buffer(4096)
    n = node.max_batch_size + 1
    with pytest.raises(KvStoreError) as failure:
        uds.batch_put_from(["k%d" % i for i in range(n)], [0] * n, [1] * n, buffer=buffer)
    assert failure.value.code == ErrorCode.INVALID_PARAMS
    assert not tcp.exists("k0")


# ------------------------------------------------------------------------------------------------- registration

def register_raw(client, path, size):
    return client._register(pb.RegisterBufferRequest(path=path, size=size))


@pytest.fixture
def shm_file():
    """A file in /dev/shm made like the client makes one; removed afterwards."""
    made = []

    def make(size=4096, mode=0o600):
        path, region = create_shm_file("/dev/shm", size)
        region.close()
        os.chmod(path, mode)
        made.append(path)
        return path

    yield make
    for path in made:
        if os.path.lexists(path):
            os.unlink(path)


def refused(client, path, size, code=ErrorCode.INVALID_PARAMS, says=None):
    reply = register_raw(client, path, size)
    assert reply.code == code, reply
    assert reply.buffer_id == ""
    if says:
        assert says in reply.message, reply.message


@pytest.mark.skipif(os.geteuid() != 0, reason="making a file of another user needs root (the node's uid check is "
                                              "then covered by SharedBuffersTest only)")
def test_a_file_of_another_user_is_refused(uds, shm_file):
    path = shm_file()
    os.chown(path, 65534, 65534)  # nobody
    refused(uds, path, 4096, says="uid 65534")


def test_wrong_size_mode_and_kind_are_refused(uds, shm_file, tmp_path):
    path = shm_file(4096)
    refused(uds, path, 4095, says="4096 bytes")
    refused(uds, path, 8192, says="4096 bytes")
    refused(uds, shm_file(4096, 0o644), 4096, says="0644")
    refused(uds, shm_file(4096, 0o700), 4096, says="0700")
    link = "/dev/shm/kvstore-link-" + secrets.token_hex(8)
    os.symlink(path, link)
    try:
        refused(uds, link, 4096, says="not a regular file")
    finally:
        os.unlink(link)
    fifo = "/dev/shm/kvstore-fifo-" + secrets.token_hex(8)
    os.mkfifo(fifo, 0o600)
    try:
        refused(uds, fifo, 4096, says="not a regular file")
    finally:
        os.unlink(fifo)
    directory = "/dev/shm/kvstore-dir-" + secrets.token_hex(8)
    os.mkdir(directory, 0o700)
    try:
        refused(uds, directory, 4096, says="not a regular file")
    finally:
        os.rmdir(directory)
    refused(uds, "/dev/shm/kvstore-none-" + secrets.token_hex(8), 4096, code=ErrorCode.FILE_NOT_FOUND)


def test_paths_outside_the_shm_directory_are_refused(uds, shm_file, tmp_path):
    path = shm_file(4096)
    name = os.path.basename(path)
    outside = tmp_path / "outside"
    outside.write_bytes(b"\0" * 4096)
    os.chmod(outside, 0o600)
    for bad in (str(outside), "/dev/shm/../" + str(outside).lstrip("/"), "/dev/shm/./" + name,
                "/dev/shm/sub/../" + name, name, "dev/shm/" + name, "/dev/shm", "/", "", "/dev/shm/\0x"):
        refused(uds, bad, 4096)


def test_sizes_outside_the_limits_are_refused(uds, node, shm_file):
    path = shm_file(4096)
    for size in (0, -1, -(2**63), node.buffer_max_bytes + 1, I64_MAX):
        refused(uds, path, size, says="outside")


def test_registration_over_tcp_is_refused_whatever_the_file(tcp, shm_file):
    refused(tcp, shm_file(4096), 4096, code=ErrorCode.ILLEGAL_CLIENT, says="Unix socket")


def test_buffers_per_connection_are_capped(node, ns):
    with KvStoreClient("unix:" + node.uds, namespace=ns) as client:
        buffers = [client.register_buffer(4096) for _ in range(node.buffers_per_connection)]
        with pytest.raises(KvStoreError) as failure:
            client.register_buffer(4096)
        assert failure.value.code == ErrorCode.INVALID_PARAMS
        assert "at most %d" % node.buffers_per_connection in failure.value.message
        buffers[0].unregister()
        client.register_buffer(4096)  # room again
        # Another connection has its own allowance.
        with KvStoreClient("unix:" + node.uds, namespace=ns) as other:
            other.register_buffer(4096)


def test_a_file_shrunk_under_its_registration_fails_its_keys(uds, tcp, node, ns, shm_file):
    path = shm_file(1 << 20)
    reply = register_raw(uds, path, 1 << 20)
    assert reply.code == ErrorCode.OK
    with open(path, "r+b") as f:
        f.truncate(0)
    os.unlink(path)
    tcp.put("present", b"p" * 5000)
    put = uds._put_from(pb.BatchPutFromRequest(namespace=ns, buffer_id=reply.buffer_id,
                                               items=[pb.BufferRange(key="shrunk", offset=8192, length=5000)]))
    assert list(put.codes) == [ErrorCode.TRANSFER_FAIL]
    got = uds._get_into(pb.BatchGetIntoRequest(namespace=ns, buffer_id=reply.buffer_id,
                                               items=[pb.BufferRange(key="present", offset=8192, length=5000)]))
    assert list(got.codes) == [ErrorCode.TRANSFER_FAIL]
    assert not tcp.exists("shrunk")
    tcp.put("shrunk", b"a later put of the key works")  # the failed one was revoked, not left half-done
    assert uds._unregister(pb.UnregisterBufferRequest(buffer_id=reply.buffer_id)).code == ErrorCode.OK
    assert_healthy(node, ns)
