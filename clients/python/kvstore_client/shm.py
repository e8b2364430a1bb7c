"""Registered buffers: shared memory a client maps and the node maps too, so values move by one memory copy.

The region is a file the client creates in the node's shm directory (/dev/shm by default): O_CREAT|O_EXCL with a random
name (never someone else's file), mode 0600, space reserved up front, mapped MAP_SHARED. The node checks the file
(regular, ours, 0600, the declared size) and maps it when we register it over its Unix socket; then we unlink the name at
once, so nothing is left in /dev/shm even if this process dies: the memory lives as long as the two mappings.
A file rather than a memfd passed over the socket: grpcio cannot send file descriptors on its channel.
"""

import ctypes
import mmap
import os
import secrets

_OPEN_FLAGS = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def create_shm_file(shm_dir, size):
    """Creates and maps a new private file of ``size`` bytes in ``shm_dir``; returns (path, mmap). The caller unlinks."""
    if not isinstance(size, int) or size <= 0:
        raise ValueError("buffer size must be a positive int, got %r" % (size,))
    path = os.path.join(shm_dir, "kvstore-%d-%s" % (os.getpid(), secrets.token_hex(16)))
    fd = os.open(path, _OPEN_FLAGS, 0o600)
    try:
        os.fchmod(fd, 0o600)  # exactly 0600 whatever the umask
        # Reserve the pages now: a full tmpfs fails here (ENOSPC) instead of with SIGBUS on a later write.
        os.posix_fallocate(fd, 0, size)
        flags = mmap.MAP_SHARED | getattr(mmap, "MAP_POPULATE", 0)
        region = mmap.mmap(fd, size, flags=flags, prot=mmap.PROT_READ | mmap.PROT_WRITE)
    except BaseException:
        os.unlink(path)
        raise
    finally:
        os.close(fd)  # the mapping keeps the memory
    return path, region


def address_of(region):
    """The virtual address of a writable buffer-protocol object (e.g. an mmap)."""
    holder = ctypes.c_char.from_buffer(region)
    try:
        return ctypes.addressof(holder)
    finally:
        del holder


class RegisteredBuffer:
    """A shared-memory region registered with the node: write values here and ``batch_put_from`` them, or
    ``batch_get_into`` it and read them here, at offsets you choose.

    ``view`` is a writable ``memoryview`` of the whole region; ``array()`` a numpy ``uint8`` array over it (no copy);
    ``address`` its virtual address. It stays registered until ``unregister()`` (or the client's ``close()``), and only on
    the client connection that registered it.
    """

    def __init__(self, client, buffer_id, region, size):
        self._client = client
        self.buffer_id = buffer_id
        self._region = region
        self.size = size
        self.address = address_of(region)
        self.registered = True

    @property
    def view(self):
        """A writable memoryview of the whole region (each call a new view over the same memory)."""
        return memoryview(self._region)

    def array(self, dtype="uint8"):
        """The region as a one-dimensional numpy array of ``dtype`` (shares the memory)."""
        import numpy

        return numpy.frombuffer(self._region, dtype=dtype)

    def contains(self, address, length):
        """Whether [address, address + length) lies inside this region."""
        return self.address <= address and address + length <= self.address + self.size

    def unregister(self):
        """Unregisters it from the node (idempotent); the memory stays mapped in this process while views of it exist."""
        self._client.unregister_buffer(self)

    def _release(self):
        self.registered = False
        try:
            self._region.close()
        except BufferError:
            pass  # views or arrays of it are still alive: the mapping goes with the last of them

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.unregister()
        return False

    def __repr__(self):
        state = "registered" if self.registered else "unregistered"
        return "RegisteredBuffer(id=%s, size=%d, %s)" % (self.buffer_id, self.size, state)
