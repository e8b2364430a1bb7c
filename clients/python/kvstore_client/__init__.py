"""Python client of kvcache-store.

    from kvstore_client import KvStoreClient
    with KvStoreClient("unix:/path/to/kvstore.sock") as store:
        store.put("page-0", b"...")
        buf = store.register_buffer(64 << 20)       # shared memory the node maps too
        buf.view[0:4] = b"abcd"
        store.batch_put_from(["k"], [0], [4])       # the node copies from buf; no value bytes in messages
        store.batch_get_into(["k"], [4096], [4096]) # ... and into it
"""

from .client import BatchGetResult, ExistsResult, GetIntoResult, KvStoreClient
from .errors import ErrorCode, KvStoreError
from .hicache import HiCacheKvStore
from .shm import RegisteredBuffer

__all__ = ["KvStoreClient", "KvStoreError", "ErrorCode", "RegisteredBuffer", "ExistsResult", "GetIntoResult",
           "BatchGetResult", "HiCacheKvStore"]
