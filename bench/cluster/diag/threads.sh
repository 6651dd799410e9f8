#!/usr/bin/env bash
# threads.sh SNAPFILE PIDS... : writes "pid comm ticks" per thread
out="$1"; shift
for pid in "$@"; do
  for t in /proc/$pid/task/*; do
    c=$(cat $t/comm 2>/dev/null) || continue
    s=$(awk '{print $14+$15}' $t/stat 2>/dev/null) || continue
    echo "$pid|$(basename $t)|$c|$s"
  done
done > "$out"
