# thread-delta.py BEFORE AFTER WRITES SECONDS [LG_BEFORE LG_AFTER] : CPU per write by process and by thread group
# between two threads.sh snapshots, and how long each group waited runnable for a CPU (the run queue): on average
# how many of its threads were waiting, and how long one waited each time it was woken or preempted. With the load
# generator's snapshots too, its own CPU and waiting.
import sys, re, collections

def load(path):
    snap = {}
    for line in open(path):
        pid, tid, comm, ticks, wait, slices = line.rstrip('\n').split('|')
        snap[(pid, tid)] = (comm, int(ticks), int(wait), int(slices))
    return snap

def group(comm):
    g = re.sub(r'[-#]?\d+$', '', comm)
    g = re.sub(r'-n\d.*', '', g)
    return re.sub(r'-\d+$', '', g)

def deltas(before, after):
    """(pid, group) -> [cpu ticks, run-queue wait ns, time slices] over the interval."""
    a, b = load(before), load(after)
    out = collections.defaultdict(lambda: [0, 0, 0])
    for key, (comm, ticks, wait, slices) in b.items():
        _, ticks0, wait0, slices0 = a.get(key, (comm, 0, 0, 0))
        d = out[(key[0], group(comm))]
        d[0] += ticks - ticks0; d[1] += wait - wait0; d[2] += slices - slices0
    return out

HZ = 100.0
writes, seconds = float(sys.argv[3]), float(sys.argv[4])
servers = deltas(sys.argv[1], sys.argv[2])
us_per_write = lambda ticks: ticks / HZ * 1e6 / writes
waiting = lambda ns: ns / 1e9 / seconds
per_slice = lambda ns, n: ns / 1e3 / max(n, 1)

by_pid = collections.Counter(); by_group = collections.defaultdict(lambda: [0, 0, 0])
for (pid, g), (ticks, wait, slices) in servers.items():
    by_pid[pid] += ticks
    x = by_group[g]; x[0] += ticks; x[1] += wait; x[2] += slices
total = sum(by_pid.values())
print("total us/write %.1f" % us_per_write(total))
for pid, ticks in by_pid.items():
    print(" pid", pid, "us/write %.1f" % us_per_write(ticks))
print("  %-26s %9s %7s %17s %18s" % ("threads (all nodes)", "us/write", "share", "waiting for a CPU", "wait per wake-up"))
for g, (ticks, wait, slices) in sorted(by_group.items(), key=lambda kv: -kv[1][0])[:25]:
    print("  %-26s %9.1f %6.1f%% %17.2f %15.0f us" % (g, us_per_write(ticks), 100.0 * ticks / max(total, 1),
                                                      waiting(wait), per_slice(wait, slices)))
if len(sys.argv) > 6:
    lg = deltas(sys.argv[5], sys.argv[6])
    ticks, wait, slices = (sum(v[i] for v in lg.values()) for i in range(3))
    print("load generator: %.1f us/write of CPU; %.2f of its threads waiting for a CPU on average, %.0f us per wake-up"
          % (us_per_write(ticks), waiting(wait), per_slice(wait, slices)))
