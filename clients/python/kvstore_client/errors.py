"""Error codes (Mooncake Store's numbers, as in src/main/proto/kvstore/v1/errors.proto) and the client's exception."""

import enum

import grpc


class ErrorCode(enum.IntEnum):
    """Per-key and per-call result codes. ``OK`` is 0; every error is negative, with Mooncake's value."""

    OK = 0
    INTERNAL_ERROR = -1
    BUFFER_OVERFLOW = -10
    SHARD_INDEX_OUT_OF_RANGE = -100
    SEGMENT_NOT_FOUND = -101
    SEGMENT_ALREADY_EXISTS = -102
    CLIENT_NOT_FOUND = -103
    NO_AVAILABLE_HANDLE = -200
    INVALID_VERSION = -300
    INVALID_KEY = -400
    WRITE_FAIL = -500
    INVALID_PARAMS = -600
    ILLEGAL_CLIENT = -601
    INVALID_WRITE = -700
    INVALID_READ = -701
    INVALID_REPLICA = -702
    REPLICA_IS_NOT_READY = -703
    OBJECT_NOT_FOUND = -704
    OBJECT_ALREADY_EXISTS = -705
    OBJECT_HAS_LEASE = -706
    LEASE_EXPIRED = -707
    OBJECT_HAS_REPLICATION_TASK = -708
    OBJECT_NO_REPLICATION_TASK = -709
    REPLICA_NOT_FOUND = -710
    REPLICA_ALREADY_EXISTS = -711
    REPLICA_IS_GONE = -712
    REPLICA_NOT_IN_LOCAL_MEMORY = -713
    OBJECT_REPLICA_BUSY = -714
    TRANSFER_FAIL = -800
    CHECKSUM_MISMATCH = -801
    RPC_FAIL = -900
    RPC_TIMEOUT = -901
    UNAVAILABLE_IN_CURRENT_STATUS = -1010
    UNAVAILABLE_IN_CURRENT_MODE = -1011
    NOT_SUPPORTED = -1012
    FILE_NOT_FOUND = -1100
    FILE_OPEN_FAIL = -1101
    FILE_READ_FAIL = -1102
    FILE_WRITE_FAIL = -1103
    FILE_INVALID_BUFFER = -1104
    FILE_LOCK_FAIL = -1105
    FILE_INVALID_HANDLE = -1106
    BUCKET_NOT_FOUND = -1200
    BUCKET_ALREADY_EXISTS = -1201
    KEYS_EXCEED_BUCKET_LIMIT = -1202
    KEYS_ULTRA_LIMIT = -1203
    UNABLE_OFFLOAD = -1300
    UNABLE_OFFLOADING = -1301
    TASK_NOT_FOUND = -1400
    TASK_PENDING_LIMIT_EXCEEDED = -1401
    JOB_NOT_FOUND = -1402
    BUDGET_EXCEEDED = -2000  # not Mooncake's: a bulk call (RemoveByRegex) that would run past its budget

    def __str__(self):
        return self.name

    @classmethod
    def _missing_(cls, value):
        # A code from a newer server: keep its number rather than failing to decode the reply.
        if isinstance(value, int):
            member = int.__new__(cls, value)
            member._name_ = "UNKNOWN_%d" % value
            member._value_ = value
            return member
        return None


def codes_of(values):
    """Wire enum numbers -> ErrorCode members (all OK, the usual case, without a lookup per key)."""
    values = list(values)
    if not any(values):
        return [ErrorCode.OK] * len(values)
    return [ErrorCode(v) for v in values]


class KvStoreError(Exception):
    """A call that failed as a whole, or a single-key operation whose key failed.

    ``code`` is the store's ErrorCode (for a failed RPC: RPC_TIMEOUT on a deadline, INVALID_PARAMS for a malformed call,
    RPC_FAIL otherwise); ``grpc_status`` is the gRPC status code when the RPC itself failed, else None.
    """

    def __init__(self, code, message="", grpc_status=None):
        self.code = ErrorCode(code)
        self.message = message
        self.grpc_status = grpc_status
        text = "%s (%d)" % (self.code.name, int(self.code))
        if message:
            text += ": " + message
        if grpc_status is not None:
            text += " [gRPC %s]" % grpc_status.name
        super().__init__(text)

    @classmethod
    def from_rpc(cls, error, method):
        """Wraps a grpc.RpcError raised by ``method``."""
        status = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
        details = error.details() if hasattr(error, "details") else str(error)
        if status == grpc.StatusCode.DEADLINE_EXCEEDED:
            code = ErrorCode.RPC_TIMEOUT
        elif status == grpc.StatusCode.INVALID_ARGUMENT:
            code = ErrorCode.INVALID_PARAMS
        else:
            code = ErrorCode.RPC_FAIL
        return cls(code, "%s: %s" % (method, details), grpc_status=status)
