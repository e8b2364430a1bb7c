"""Same-host throughput of the Python client (batch_put_from / batch_get_into over the node's Unix socket) and of a
plain numpy memory copy of the same bytes, with N concurrent client processes. Run by bench/same-host.sh.

    same_host.py store  --uds PATH --clients 8 --size 65536 --batch 128 --seconds 5 --warmup 2 --cpu-pid PID
    same_host.py memcpy --clients 8 --size 65536 --batch 128 --seconds 5

Each client is a process with its own connection and registered buffer of one batch (size x batch bytes), closed loop
(one call in flight). Puts cycle through SLOTS key sets per client: a slot's keys are removed (force) right before
they are put again, since a put never overwrites (the remove is part of the measured time). Gets read those keys back
into the buffer. Each store phase first runs --warmup seconds untimed. Prints one RESULT line per phase: MB/s (10^6
bytes/s) over the phase, the clients' own user and system CPU seconds, and for the store the node process's user and
system CPU seconds (utime, stime from /proc/PID/stat) and their sum per GB (10^9 bytes) moved.
"""

import argparse
import multiprocessing
import os
import sys
import time

SLOTS = 4
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_split(pid):
    """User and system CPU seconds of a process (utime and stime, fields 14 and 15 of /proc/PID/stat)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) / CLOCK_TICKS, int(fields[12]) / CLOCK_TICKS


def own_cpu():
    """User and system CPU seconds of this process, all its threads (grpcio's included)."""
    times = os.times()
    return times.user, times.system


def steps_until(deadline, step):
    """Calls step(0), step(1), ... until the monotonic clock passes ``deadline``; returns how many calls ran."""
    n = 0
    while time.monotonic() < deadline:
        step(n)
        n += 1
    return n


def timed_phase(phase, index, step, bytes_per_step, args, barrier, start_at, results):
    """Waits for every client and the parent's start time, runs ``step`` for args.seconds and reports the bytes moved,
    the end time and this process's user and system CPU seconds."""
    barrier.wait()
    barrier.wait()  # the parent has set start_at
    while time.monotonic() < start_at.value:
        time.sleep(0.0005)
    cpu = own_cpu()
    n = steps_until(start_at.value + args.seconds, step)
    after = own_cpu()
    results.put((phase, index, n * bytes_per_step, time.monotonic(), after[0] - cpu[0], after[1] - cpu[1]))


def keys_of(client_index, size, slot, batch):
    return ["py%d-%d-s%d-%d" % (client_index, size, slot, i) for i in range(batch)]


def store_client(index, args, barrier, start_at, results):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients", "python"))
    from kvstore_client import ErrorCode, KvStoreClient

    size, batch = args.size, args.batch
    with KvStoreClient("unix:" + args.uds, namespace="bench", timeout=60) as client:
        buffer = client.register_buffer(size * batch)
        buffer.view[:] = os.urandom(size * batch)
        offsets = [i * size for i in range(batch)]
        lengths = [size] * batch
        slots = [keys_of(index, size, s, batch) for s in range(SLOTS)]

        def put(n):
            keys = slots[n % SLOTS]
            client.batch_remove(keys, force=True)
            codes = client.batch_put_from(keys, offsets, lengths)
            if any(c != ErrorCode.OK for c in codes):
                raise RuntimeError("put: %s" % sorted(set(c.name for c in codes)))

        def get(n):
            got = client.batch_get_into(slots[n % SLOTS], offsets, lengths)
            if any(c != ErrorCode.OK for c in got.codes):
                raise RuntimeError("get: %s" % sorted(set(c.name for c in got.codes)))

        for n in range(SLOTS):  # every slot's keys exist, both mappings touched
            put(n)
            get(n)
        for phase, step in (("put", put), ("get", get)):
            steps_until(time.monotonic() + args.warmup, step)  # untimed: the node's JIT compiles this phase's path
            timed_phase(phase, index, step, size * batch, args, barrier, start_at, results)
        client.batch_remove([k for keys in slots for k in keys], force=True)


def memcpy_client(index, args, barrier, start_at, results):
    import numpy

    block = args.size * args.batch
    source = numpy.frombuffer(os.urandom(block * SLOTS), dtype=numpy.uint8)
    target = numpy.empty(block, dtype=numpy.uint8)

    def copy(n):
        slot = n % SLOTS
        numpy.copyto(target, source[slot * block:(slot + 1) * block])

    for n in range(SLOTS):  # every page touched
        copy(n)
    timed_phase("memcpy", index, copy, block, args, barrier, start_at, results)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["store", "memcpy"])
    parser.add_argument("--uds")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--size", type=int, default=65536)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--cpu-pid", type=int, default=0)
    parser.add_argument("--warmup", type=float, default=2, help="seconds each client runs a phase before it is timed")
    args = parser.parse_args()

    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(args.clients + 1)
    start_at = context.Value("d", 0.0)
    results = context.Queue()
    target = store_client if args.mode == "store" else memcpy_client
    workers = [context.Process(target=target, args=(i, args, barrier, start_at, results)) for i in range(args.clients)]
    for w in workers:
        w.start()
    phases = ["put", "get"] if args.mode == "store" else ["memcpy"]
    for phase in phases:
        barrier.wait(timeout=300)  # every client ready
        start_at.value = time.monotonic() + 0.2
        barrier.wait(timeout=60)
        while time.monotonic() < start_at.value:
            time.sleep(0.0005)
        server_before = cpu_split(args.cpu_pid) if args.cpu_pid else (0.0, 0.0)
        reports = [results.get(timeout=args.seconds + 120) for _ in workers]
        server_after = cpu_split(args.cpu_pid) if args.cpu_pid else (0.0, 0.0)
        moved = sum(r[2] for r in reports)
        elapsed = max(r[3] for r in reports) - start_at.value
        line = ("RESULT client=python op=%s size=%d batch=%d clients=%d mbps=%.1f bytes=%d seconds=%.3f "
                "client_user_s=%.2f client_sys_s=%.2f") % (
            phase, args.size, args.batch, args.clients, moved / elapsed / 1e6, moved, elapsed,
            sum(r[4] for r in reports), sum(r[5] for r in reports))
        if args.cpu_pid:
            user, system = server_after[0] - server_before[0], server_after[1] - server_before[1]
            line += " server_user_s=%.2f server_sys_s=%.2f server_cpu_s=%.2f cpu_s_per_gb=%.3f" % (
                user, system, user + system, (user + system) / (moved / 1e9))
        print(line, flush=True)
    for w in workers:
        w.join(timeout=60)
        if w.exitcode != 0:
            sys.exit("a client failed (exit %s)" % w.exitcode)


if __name__ == "__main__":
    main()
