"""The message path: single-key and batch calls, over the Unix socket and TCP, byte-exact."""

import grpc
import pytest

from conftest import page
from kvstore_client import ErrorCode, KvStoreClient, KvStoreError


def test_put_get_exists_remove(any_client):
    value = page(1, 10_000)
    any_client.put("k", value)
    assert any_client.get("k") == value
    assert any_client.exists("k")
    assert any_client.remove("k", force=True) is True
    assert any_client.get("k") is None
    assert not any_client.exists("k")
    assert any_client.remove("k") is False


def test_missing_key_is_none_not_an_error(any_client):
    assert any_client.get("never-put") is None
    assert any_client.exists("never-put") is False


def test_put_of_an_existing_key_raises_its_code(any_client):
    any_client.put("dup", b"first")
    with pytest.raises(KvStoreError) as failure:
        any_client.put("dup", b"second")
    assert failure.value.code == ErrorCode.OBJECT_ALREADY_EXISTS
    assert any_client.get("dup") == b"first"


def test_empty_value_is_invalid(any_client):
    with pytest.raises(KvStoreError) as failure:
        any_client.put("empty", b"")
    assert failure.value.code == ErrorCode.INVALID_PARAMS
    assert not any_client.exists("empty")


def test_remove_under_a_read_lease_needs_force(any_client):
    any_client.put("leased", b"v")
    assert any_client.get("leased") == b"v"  # the read grants a lease
    with pytest.raises(KvStoreError) as failure:
        any_client.remove("leased")
    assert failure.value.code == ErrorCode.OBJECT_HAS_LEASE
    assert any_client.remove("leased", force=True)


def test_large_value_byte_exact(any_client, node):
    value = page(2, min(4 << 20, node.max_value_size))
    any_client.put("big", value)
    assert any_client.get("big") == value


def test_batch_put_and_get_byte_exact_across_chunks(any_client):
    # 12 x 1 MiB and 50 small values: several BatchPut chunks (messages) for one call.
    keys = ["b%d" % i for i in range(12)] + ["small%d" % i for i in range(50)]
    values = [page(i, 1 << 20) for i in range(12)] + [page(100 + i, 100 + i) for i in range(50)]
    assert any_client.batch_put(keys, values) == [ErrorCode.OK] * len(keys)
    got = any_client.batch_get(keys)
    assert list(got) == values
    assert got.codes == [ErrorCode.OK] * len(keys)


def test_batch_get_reports_each_key(any_client):
    any_client.batch_put(["x", "z"], [b"xx", b"zz"])
    got = any_client.batch_get(["x", "y", "z", "y"])
    assert list(got) == [b"xx", None, b"zz", None]
    assert got.codes == [ErrorCode.OK, ErrorCode.OBJECT_NOT_FOUND, ErrorCode.OK, ErrorCode.OBJECT_NOT_FOUND]


def test_batch_put_reports_each_key(any_client):
    any_client.put("exists", b"v")
    codes = any_client.batch_put(["new", "exists", "empty"], [b"n", b"again", b""])
    assert codes == [ErrorCode.OK, ErrorCode.OBJECT_ALREADY_EXISTS, ErrorCode.INVALID_PARAMS]
    assert any_client.get("new") == b"n" and any_client.get("exists") == b"v" and not any_client.exists("empty")


def test_batch_exists_flags_and_leading_hits(any_client):
    any_client.batch_put(["p0", "p1", "p3"], [b"0", b"1", b"3"])
    found = any_client.batch_exists(["p0", "p1", "p2", "p3"])
    assert found.flags == [True, True, False, True]
    assert found.leading_hits == 2
    assert any_client.batch_exists(["p0", "p1"]).leading_hits == 2
    assert any_client.batch_exists(["p2", "p0"]).leading_hits == 0
    assert any_client.batch_exists([]) == ([], 0)


def test_batch_remove(any_client):
    any_client.batch_put(["r1", "r2"], [b"1", b"2"])
    assert any_client.batch_remove(["r1", "r2", "r3"], force=True) == [
        ErrorCode.OK, ErrorCode.OK, ErrorCode.OBJECT_NOT_FOUND]
    assert any_client.batch_exists(["r1", "r2"]).flags == [False, False]


def test_namespaces_do_not_collide(node, ns):
    with KvStoreClient(node.tcp, namespace=ns + "-a") as a, KvStoreClient(node.tcp, namespace=ns + "-b") as b:
        a.put("same", b"from a")
        assert b.get("same") is None
        b.put("same", b"from b")
        assert a.get("same") == b"from a"
        assert a.get("same", namespace=ns + "-b") == b"from b"


def test_remove_all_removes_one_namespace_or_all(node, ns):
    with KvStoreClient(node.tcp, namespace=ns + "-a") as a, KvStoreClient(node.tcp, namespace=ns + "-b") as b:
        a.batch_put(["x", "y"], [b"1", b"2"])
        b.put("x", b"3")
        assert a.remove_all(force=True) == 2
        assert a.batch_exists(["x", "y"]).flags == [False, False]
        assert b.get("x") == b"3"  # another namespace is untouched
        with pytest.raises(KvStoreError) as refused:  # a namespace and all_namespaces together
            a.remove_all(force=True, namespace=ns + "-b", all_namespaces=True)
        assert refused.value.code == ErrorCode.INVALID_PARAMS
        assert b.get("x") == b"3"
        assert a.remove_all(force=True, all_namespaces=True) >= 1
        assert b.get("x") is None


def test_batch_over_max_batch_size_fails_the_call(any_client, node):
    keys = ["k%d" % i for i in range(node.max_batch_size + 1)]
    with pytest.raises(KvStoreError) as failure:
        any_client.batch_exists(keys)
    assert failure.value.code == ErrorCode.INVALID_PARAMS
    assert failure.value.grpc_status == grpc.StatusCode.INVALID_ARGUMENT


def test_unreachable_node_fails_with_a_clear_error(tmp_path):
    with KvStoreClient("unix:" + str(tmp_path / "nobody.sock"), timeout=2) as client:
        with pytest.raises(KvStoreError) as failure:
            client.get("k")
    assert failure.value.code in (ErrorCode.RPC_FAIL, ErrorCode.RPC_TIMEOUT)
    assert failure.value.grpc_status is not None
