"""Registers N buffers on the node of KVSTORE_TEST_UDS, says so on stdout, then waits (at most 120 s) to be killed.
Used by PythonClientTest to check that a client killed with SIGKILL leaves nothing mapped in the node."""

import os
import sys
import time

from kvstore_client import KvStoreClient

count = int(sys.argv[1])
client = KvStoreClient("unix:" + os.environ["KVSTORE_TEST_UDS"])
try:
    client.wait_ready(30)
    buffers = [client.register_buffer(1 << 20) for _ in range(count)]
    for b in buffers:
        b.view[0:4] = b"live"
    print("registered %d" % len(buffers), flush=True)
except Exception as e:  # say why on the line the test reads
    print("failed: %s" % e, flush=True)
    sys.exit(1)
time.sleep(120)
