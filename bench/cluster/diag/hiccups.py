#!/usr/bin/env python3
# Diagnostic companion of window.sh (docs/benchmarks.md, "The machine"): measures how long this machine's
# CPUs are unavailable even to the highest-priority thread, which no per-process CPU figure shows.
#
#   hiccups.py measure SECONDS [OUT]   one SCHED_FIFO sleeper pinned to each CPU wakes every 200 us and notes
#                                      every wake-up more than 0.5 ms late; prints, per CPU, the count and the
#                                      total time lost, how much of it all CPUs lost at once (a whole-machine
#                                      freeze, not one busy CPU), and a histogram; OUT keeps the raw list.
#   hiccups.py fsync-sweep DIR         the same for 10 s while three writers each pwrite and fdatasync a file in
#                                      DIR at a fixed rate (0, 350, 700 and 1400 per second each), as the three
#                                      nodes of the cluster benchmark do.
#
# Needs root (SCHED_FIFO). Times are CLOCK_MONOTONIC nanoseconds, the clock of System.nanoTime, so a freeze can
# be matched with a JVM's own timestamps.
import multiprocessing, os, sys, time

PERIOD_NS = 200_000
LATE_NS = 500_000


def sleeper(cpu, seconds, queue):
    os.sched_setaffinity(0, {cpu})
    os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(50))
    late = []
    before = time.monotonic_ns()
    end = before + int(seconds * 1e9)
    while before < end:
        time.sleep(PERIOD_NS / 1e9)
        now = time.monotonic_ns()
        if now - before - PERIOD_NS > LATE_NS:
            late.append((before + PERIOD_NS, now))  # the interval in which this CPU ran nothing of ours
        before = now
    queue.put((cpu, late))


def measure(seconds):
    queue = multiprocessing.Queue()
    cpus = sorted(os.sched_getaffinity(0))
    procs = [multiprocessing.Process(target=sleeper, args=(cpu, seconds, queue)) for cpu in cpus]
    for p in procs:
        p.start()
    results = dict(queue.get() for _ in procs)
    for p in procs:
        p.join()
    return results


def lost_by_all(results):
    """Nanoseconds during which every CPU was late at once."""
    cpus = list(results)
    spans = results[cpus[0]]
    for cpu in cpus[1:]:
        spans = [(max(a, c), min(b, d)) for a, b in spans for c, d in results[cpu] if min(b, d) > max(a, c)]
    return sum(b - a for a, b in spans)


def report(results, seconds, label=""):
    for cpu, late in sorted(results.items()):
        lost = sum(b - a for a, b in late)
        print("%scpu %d: %d wake-ups over 0.5 ms late, %.0f ms lost in %.0f s (%.1f%%)"
              % (label, cpu, len(late), lost / 1e6, seconds, 100 * lost / (seconds * 1e9)))
    print("%sall CPUs late at once: %.0f ms" % (label, lost_by_all(results) / 1e6))
    histogram = {}
    for late in results.values():
        for a, b in late:
            bucket = min((b - a) // 1_000_000, 20)
            histogram[bucket] = histogram.get(bucket, 0) + 1
    print("%slate by (ms, count; 20 = 20 or more): %s" % (label, sorted(histogram.items())))


def writer(path, rate, seconds):
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC)
    os.write(fd, bytes(16 << 20))
    os.fsync(fd)
    record = b"x" * 6000
    start = time.monotonic()
    done = 0
    while time.monotonic() < start + seconds:
        os.pwrite(fd, record, (done * len(record)) % (15 << 20))
        os.fdatasync(fd)
        done += 1
        pause = start + done / rate - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    os.close(fd)
    os.unlink(path)


def fsync_sweep(directory):
    for rate in (0, 350, 700, 1400):
        writers = [multiprocessing.Process(target=writer, args=(os.path.join(directory, "hiccups-%d" % i), rate, 12))
                   for i in range(3) if rate > 0]
        for w in writers:
            w.start()
        time.sleep(1)
        results = measure(10)
        for w in writers:
            w.join()
        report(results, 10, "fsync %4d/s x3: " % rate)


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "measure":
        seconds = float(sys.argv[2])
        results = measure(seconds)
        report(results, seconds)
        if len(sys.argv) > 3:
            with open(sys.argv[3], "w") as out:
                for cpu, late in sorted(results.items()):
                    for a, b in late:
                        out.write("%d %d %d\n" % (cpu, a, b))
    elif len(sys.argv) == 3 and sys.argv[1] == "fsync-sweep":
        fsync_sweep(sys.argv[2])
    else:
        sys.exit("usage: hiccups.py measure SECONDS [OUT] | hiccups.py fsync-sweep DIR")
