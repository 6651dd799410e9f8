#!/usr/bin/env bash
# threads.sh SNAPFILE PIDS... : writes "pid|tid|comm|ticks|runqueue_wait_ns|timeslices" per thread: CPU time
# (utime+stime, clock ticks) from /proc/PID/task/TID/stat, and from .../schedstat how long the thread has waited
# runnable for a CPU and how many times it was given one. One python3 process, so a snapshot of a few hundred
# threads takes milliseconds rather than a second of forks.
exec python3 - "$@" <<'PY'
import os, sys
out, pids = sys.argv[1], sys.argv[2:]
lines = []
for pid in pids:
    try:
        tids = os.listdir("/proc/%s/task" % pid)
    except OSError:
        continue
    for tid in tids:
        base = "/proc/%s/task/%s/" % (pid, tid)
        try:
            comm = open(base + "comm").read().rstrip("\n")
            stat = open(base + "stat").read()
            sched = open(base + "schedstat").read().split()
        except OSError:
            continue  # the thread ended meanwhile
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) ": state is fields[0], utime fields[11]
        ticks = int(fields[11]) + int(fields[12])
        lines.append("%s|%s|%s|%d|%s|%s\n" % (pid, tid, comm, ticks, sched[1], sched[2]))
open(out, "w").writelines(lines)
PY
