"""The committed message modules are what generate.sh makes from the current .proto files; ErrorCode matches them."""

import filecmp
import os
import subprocess

from kvstore_client import ErrorCode
from kvstore_client.proto import errors_pb2

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_committed_modules_are_up_to_date(tmp_path):
    subprocess.run([os.path.join(HERE, "generate.sh"), str(tmp_path)], check=True, timeout=60)
    committed = os.path.join(HERE, "kvstore_client", "proto")
    names = sorted(n for n in os.listdir(tmp_path) if n.endswith(".py"))
    assert names == sorted(n for n in os.listdir(committed) if n.endswith(".py"))
    for name in names:
        assert filecmp.cmp(tmp_path / name, os.path.join(committed, name), shallow=False), (
            "%s is stale: run clients/python/generate.sh and commit the result" % name)


def test_error_codes_match_the_proto():
    in_proto = {v.name: v.number for v in errors_pb2.DESCRIPTOR.enum_types_by_name["ErrorCode"].values}
    assert {c.name: int(c) for c in ErrorCode} == in_proto
    assert ErrorCode.OBJECT_NOT_FOUND == -704 and ErrorCode.NO_AVAILABLE_HANDLE == -200
    assert ErrorCode(-99999).name == "UNKNOWN_-99999"  # a code from a newer node still decodes
