"""An adapter with SGLang HiCache's storage-backend method shape (duck-typed: no engine import).

SGLang calls ``get``/``batch_get`` with ``target_locations`` (host memory to fill: tensors, numpy arrays, writable
buffers, or integer addresses with ``target_sizes``), ``set``/``batch_set`` with values or source locations, and probes
prefixes with ``batch_exists`` (the number of leading keys that exist). Over the node's Unix socket the adapter moves
pages through registered shared memory:

* locations inside a buffer this client registered (``client.register_buffer``; an engine can carve its host KV pool
  out of one) are used in place: the node copies straight to or from them, the adapter copies nothing;
* other locations go through a staging buffer the adapter registers: one memory copy on this side.

Over TCP (or when registration is refused) values travel in gRPC messages.
"""

import ctypes
import logging

from .errors import ErrorCode, KvStoreError

log = logging.getLogger(__name__)

_STORED = (ErrorCode.OK, ErrorCode.OBJECT_ALREADY_EXISTS)  # a page already stored is as good as stored again


def _flat(obj):
    """A contiguous byte memoryview of a buffer-like object (a torch tensor through its .numpy() view)."""
    if not isinstance(obj, (bytes, bytearray, memoryview)) and hasattr(obj, "numpy") and callable(obj.numpy):
        obj = obj.numpy()
    view = memoryview(obj)
    if not view.contiguous:
        raise ValueError("a location must be contiguous")
    return view.cast("B") if view.format != "B" or view.ndim != 1 else view


def _address(view):
    """Address of a memoryview's first byte, or None if it cannot be told without copying (read-only, no numpy)."""
    if len(view) == 0:
        return None
    if not view.readonly:
        holder = ctypes.c_char.from_buffer(view)
        try:
            return ctypes.addressof(holder)
        finally:
            del holder
    try:
        import numpy
    except ImportError:
        return None
    return numpy.frombuffer(view, dtype=numpy.uint8).__array_interface__["data"][0]


class HiCacheKvStore:
    """SGLang HiCache storage backend over a KvStoreClient.

    ``HiCacheKvStore(client)`` uses an existing client (``close()`` leaves it open); ``HiCacheKvStore(target=...)``
    opens its own. ``staging_bytes`` is the size of the staging buffer (a batch larger than it is split).
    """

    def __init__(self, client=None, target=None, namespace=None, staging_bytes=64 << 20):
        if (client is None) == (target is None):
            raise ValueError("pass a client or a target")
        if client is None:
            from .client import KvStoreClient

            client = KvStoreClient(target)
            self._owns_client = True
        else:
            self._owns_client = False
        self.client = client
        self.namespace = namespace
        self.staging_bytes = staging_bytes
        self._staging = None
        self._shm_refused = not client.target.startswith("unix:")

    # ------------------------------------------------------------------------------------------- the shape

    def get(self, key, target_location=None, target_sizes=None):
        """The value of ``key`` (into ``target_location`` if given, which is then returned), or None."""
        return self.batch_get([key], None if target_location is None else [target_location],
                              None if target_sizes is None else [target_sizes])[0]

    def batch_get(self, keys, target_locations=None, target_sizes=None):
        """Per key: its value (bytes), or its filled target location, or None when missing or not fitting."""
        keys = list(keys)
        if target_locations is None:
            return list(self.client.batch_get(keys, namespace=self.namespace))
        targets = [self._location(loc, target_sizes, i, writable=True) for i, loc in enumerate(target_locations)]
        results = [None] * len(keys)
        for group in self._groups(targets):
            lengths, codes = self._get_group(keys, targets, group)
            for i, length, code in zip(group, lengths, codes):
                if code == ErrorCode.OK:
                    results[i] = target_locations[i]
        return results

    def set(self, key, value=None, target_location=None, target_sizes=None):
        return self.batch_set([key], None if value is None else [value],
                              None if target_location is None else [target_location],
                              None if target_sizes is None else [target_sizes])

    def batch_set(self, keys, values=None, target_locations=None, target_sizes=None):
        """Stores every page; True only if all were stored (or already were)."""
        keys = list(keys)
        sources = values if values is not None else target_locations
        if sources is None:
            raise ValueError("batch_set needs values or target_locations")
        located = [self._location(src, target_sizes, i, writable=False) for i, src in enumerate(sources)]
        ok = True
        for group in self._groups(located):
            ok = self._set_group(keys, located, group) and ok
        return ok

    def exists(self, key):
        return self.client.batch_exists([key], namespace=self.namespace).flags[0]

    def batch_exists(self, keys, extra_info=None):
        """How many keys, from the first, exist (the prefix a load can use)."""
        return self.client.batch_exists(list(keys), namespace=self.namespace).leading_hits

    def clear(self):
        self.client.remove_all(force=True, namespace=self.namespace)

    def close(self):
        if self._staging is not None:
            try:
                self._staging.unregister()
            except KvStoreError:
                pass
            self._staging = None
        if self._owns_client:
            self.client.close()

    # ------------------------------------------------------------------------------------------- locations

    def _location(self, location, sizes, i, writable):
        """(view or None, registered buffer or None, offset, size) for one location."""
        if isinstance(location, int):  # an address inside a registered buffer, with its size in target_sizes
            size = int(sizes[i]) if sizes is not None else None
            if size is None:
                raise ValueError("an address location needs target_sizes")
            return (None,) + self._in_registered(location, size) + (size,)
        view = _flat(location)
        if writable and view.readonly:
            raise ValueError("target location %d is read-only" % i)
        address = _address(view)
        buffer, offset = self._in_registered(address, len(view)) if address is not None else (None, 0)
        return view, buffer, offset, len(view)

    def _in_registered(self, address, size):
        for buffer in self.client.buffers():
            if buffer is not self._staging and buffer.contains(address, size):
                return buffer, address - buffer.address
        return None, 0

    def _groups(self, located):
        """Index groups that share one registered buffer, or fit the staging buffer together."""
        by_buffer = {}
        staged, staged_bytes = [], 0
        groups = []
        for i, (view, buffer, _, size) in enumerate(located):
            if buffer is not None:
                by_buffer.setdefault(buffer.buffer_id, []).append(i)
                continue
            if view is None:
                raise ValueError("address %d is not inside a buffer registered by this client" % i)
            if staged and staged_bytes + size > self.staging_bytes:
                groups.append(staged)
                staged, staged_bytes = [], 0
            staged.append(i)
            staged_bytes += size
        groups.extend(by_buffer.values())
        if staged:
            groups.append(staged)
        return groups

    def _staging_buffer(self, size):
        if self._shm_refused or size > self.staging_bytes:
            return None
        if self._staging is None:
            try:
                self._staging = self.client.register_buffer(self.staging_bytes)
            except KvStoreError as e:
                log.warning("no shared buffer (%s): values travel in gRPC messages", e)
                self._shm_refused = True
                return None
        return self._staging

    def _get_group(self, keys, located, group):
        buffer = located[group[0]][1]
        gkeys = [keys[i] for i in group]
        sizes = [located[i][3] for i in group]
        if buffer is not None:  # in place
            offsets = [located[i][2] for i in group]
            return self.client.batch_get_into(gkeys, offsets, sizes, buffer=buffer, namespace=self.namespace)
        staging = self._staging_buffer(sum(sizes))
        if staging is None:
            values = self.client.batch_get(gkeys, namespace=self.namespace)
            lengths, codes = [], []
            for i, value, code in zip(group, values, values.codes):
                if code == ErrorCode.OK and len(value) > located[i][3]:
                    code = ErrorCode.BUFFER_OVERFLOW
                if code == ErrorCode.OK:
                    located[i][0][:len(value)] = value
                lengths.append(len(value) if value is not None else 0)
                codes.append(code)
            return lengths, codes
        offsets, at = [], 0
        for size in sizes:
            offsets.append(at)
            at += size
        lengths, codes = self.client.batch_get_into(gkeys, offsets, sizes, buffer=staging, namespace=self.namespace)
        view = staging.view
        for i, offset, length, code in zip(group, offsets, lengths, codes):
            if code == ErrorCode.OK:
                located[i][0][:length] = view[offset:offset + length]
        return lengths, codes

    def _set_group(self, keys, located, group):
        buffer = located[group[0]][1]
        gkeys = [keys[i] for i in group]
        sizes = [located[i][3] for i in group]
        if buffer is not None:  # in place
            offsets = [located[i][2] for i in group]
            codes = self.client.batch_put_from(gkeys, offsets, sizes, buffer=buffer, namespace=self.namespace)
            return all(c in _STORED for c in codes)
        staging = self._staging_buffer(sum(sizes))
        if staging is None:
            codes = self.client.batch_put(gkeys, [located[i][0] for i in group], namespace=self.namespace)
            return all(c in _STORED for c in codes)
        offsets, at = [], 0
        view = staging.view
        for i, size in zip(group, sizes):
            view[at:at + size] = located[i][0]
            offsets.append(at)
            at += size
        codes = self.client.batch_put_from(gkeys, offsets, sizes, buffer=staging, namespace=self.namespace)
        return all(c in _STORED for c in codes)
