"""The SGLang-HiCache-shaped adapter: the method shape, the three data paths (in place, staged, messages)."""

import inspect

import numpy
import pytest

from conftest import page
from kvstore_client import HiCacheKvStore, KvStoreClient

PAGE = 64 << 10


def test_method_shape_matches_hicache_storage():
    expected = {
        "get": ["key", "target_location", "target_sizes"],
        "batch_get": ["keys", "target_locations", "target_sizes"],
        "set": ["key", "value", "target_location", "target_sizes"],
        "batch_set": ["keys", "values", "target_locations", "target_sizes"],
        "exists": ["key"],
        "batch_exists": ["keys", "extra_info"],
        "clear": [],
    }
    for name, params in expected.items():
        signature = inspect.signature(getattr(HiCacheKvStore, name))
        assert list(signature.parameters)[1:] == params, name
        for p in params[1:]:
            assert signature.parameters[p].default is None, (name, p)


def test_staged_pages_round_trip(uds):
    store = HiCacheKvStore(uds)
    keys = ["s%d" % i for i in range(128)]
    pages = [numpy.frombuffer(page(i, PAGE), dtype=numpy.uint8) for i in range(128)]
    assert store.batch_set(keys, pages) is True
    assert store._staging is not None  # went through the staging buffer
    targets = [numpy.zeros(PAGE, dtype=numpy.uint8) for _ in keys]
    results = store.batch_get(keys, targets)
    assert all(r is t for r, t in zip(results, targets))
    assert all(numpy.array_equal(t, p) for t, p in zip(targets, pages))
    assert store.batch_exists(keys + ["missing"] + keys[:10]) == 128
    assert store.exists("s0") and not store.exists("missing")
    store.close()
    assert uds.buffers() == []  # the staging buffer went with the adapter; the client stays open
    assert uds.exists("s0")


def test_batches_larger_than_the_staging_buffer_are_split(uds):
    store = HiCacheKvStore(uds, staging_bytes=3 * PAGE)
    keys = ["split%d" % i for i in range(10)]
    pages = [page(50 + i, PAGE) for i in range(10)]
    assert store.batch_set(keys, pages)
    targets = [bytearray(PAGE) for _ in keys]
    store.batch_get(keys, targets)
    assert [bytes(t) for t in targets] == pages
    store.close()


def test_pages_inside_a_registered_buffer_move_in_place(uds):
    pool = uds.register_buffer(256 * PAGE)  # an engine's host KV pool, carved out of shared memory
    host = pool.array()
    for i in range(128):
        host[i * PAGE:(i + 1) * PAGE] = numpy.frombuffer(page(300 + i, PAGE), dtype=numpy.uint8)
    store = HiCacheKvStore(uds)
    keys = ["p%d" % i for i in range(128)]
    assert store.batch_set(keys, [host[i * PAGE:(i + 1) * PAGE] for i in range(128)])
    targets = [host[(128 + i) * PAGE:(129 + i) * PAGE] for i in range(128)]
    assert all(r is t for r, t in zip(store.batch_get(keys, targets), targets))
    assert store._staging is None  # nothing staged: the node copied straight from and into the pool
    for i in range(128):
        assert host[(128 + i) * PAGE:(129 + i) * PAGE].tobytes() == page(300 + i, PAGE)
    store.close()


def test_integer_addresses_with_sizes(uds):
    pool = uds.register_buffer(4 * PAGE)
    pool.view[0:PAGE] = page(9, PAGE)
    store = HiCacheKvStore(uds)
    assert store.set("addr", target_location=pool.address, target_sizes=PAGE)
    assert store.get("addr", pool.address + 2 * PAGE, PAGE) == pool.address + 2 * PAGE
    assert bytes(pool.view[2 * PAGE:3 * PAGE]) == page(9, PAGE)
    with pytest.raises(ValueError):
        store.get("addr", 12345, PAGE)  # not inside a registered buffer
    store.close()


def test_single_key_calls_and_misses(uds):
    store = HiCacheKvStore(uds)
    assert store.set("one", b"value") is True
    assert store.set("one", b"value") is True  # already stored counts as stored
    assert store.get("one") == b"value"
    assert store.get("nope") is None
    target = bytearray(b"\x01" * 8)
    assert store.get("nope", target) is None
    assert target == bytearray(b"\x01" * 8)
    assert store.get("one", target) is target and bytes(target[:5]) == b"value"
    small = bytearray(2)
    assert store.get("one", small) is None  # does not fit
    store.close()


def test_over_tcp_values_travel_in_messages(node, ns):
    with KvStoreClient(node.tcp, namespace=ns) as client:
        store = HiCacheKvStore(client)
        pages = [page(70 + i, PAGE) for i in range(4)]
        assert store.batch_set(["t%d" % i for i in range(4)], pages)
        targets = [numpy.zeros(PAGE, dtype=numpy.uint8) for _ in range(4)]
        store.batch_get(["t%d" % i for i in range(4)], targets)
        assert [t.tobytes() for t in targets] == pages
        assert store.batch_get(["t0", "tx"]) == [pages[0], None]
        assert store.batch_exists(["t0", "t1", "tx"]) == 2
        assert store._staging is None
        store.close()


def test_adapter_owning_its_client(node, ns):
    store = HiCacheKvStore(target="unix:" + node.uds, namespace=ns + "-own")
    store.set("k", b"v")
    assert store.get("k") == b"v"
    with KvStoreClient(node.tcp, namespace=ns + "-other") as other:
        other.put("k", b"other")
        store.clear()  # its own namespace only
        assert store.batch_exists(["k"]) == 0
        assert other.get("k") == b"other"
    store.close()
