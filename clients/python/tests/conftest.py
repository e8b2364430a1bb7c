"""Fixtures for the client tests: a real node started by the JUnit test PythonClientTest, which passes its addresses in
environment variables (run them by hand against `./kvstore start` by setting them yourself):

    KVSTORE_TEST_UDS           the node's Unix socket path (grpc_uds_path)
    KVSTORE_TEST_TCP           its gRPC host:port
    KVSTORE_TEST_MAX_VALUE_SIZE, KVSTORE_TEST_BUFFERS_PER_CONNECTION, KVSTORE_TEST_BUFFER_MAX_BYTES,
    KVSTORE_TEST_MAX_BATCH_SIZE  the node's max_value_size, shm_buffers_per_connection, shm_buffer_max_bytes and
                               max_batch_size (defaults: the node's defaults)

Every test gets a namespace of its own, so tests never see each other's keys.
"""

import os
import sys
import uuid

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from kvstore_client import KvStoreClient  # noqa: E402


def _required(name):
    value = os.environ.get(name)
    if not value:
        pytest.fail("%s is not set: these tests need a running node (PythonClientTest starts one)" % name,
                    pytrace=False)
    return value


def _int(name, default):
    return int(os.environ.get(name, default))


class Node:
    def __init__(self):
        self.uds = _required("KVSTORE_TEST_UDS")
        self.tcp = _required("KVSTORE_TEST_TCP")
        self.max_value_size = _int("KVSTORE_TEST_MAX_VALUE_SIZE", 64 << 20)
        self.buffers_per_connection = _int("KVSTORE_TEST_BUFFERS_PER_CONNECTION", 16)
        self.buffer_max_bytes = _int("KVSTORE_TEST_BUFFER_MAX_BYTES", 256 << 30)
        self.max_batch_size = _int("KVSTORE_TEST_MAX_BATCH_SIZE", 4096)


@pytest.fixture(scope="session")
def node():
    return Node()


@pytest.fixture
def ns():
    return "pytest-" + uuid.uuid4().hex


@pytest.fixture
def uds(node, ns):
    with KvStoreClient("unix:" + node.uds, namespace=ns, timeout=30) as client:
        client.wait_ready(30)
        yield client


@pytest.fixture
def tcp(node, ns):
    with KvStoreClient(node.tcp, namespace=ns, timeout=30) as client:
        client.wait_ready(30)
        yield client


@pytest.fixture(params=["uds", "tcp"])
def any_client(request, uds, tcp):
    return uds if request.param == "uds" else tcp


def page(seed, size):
    """Deterministic, seed-specific bytes (a page's content)."""
    import hashlib

    out = bytearray()
    block = hashlib.sha256(b"%d" % seed).digest()
    while len(out) < size:
        out += block
        block = hashlib.sha256(block).digest()
    return bytes(out[:size])
