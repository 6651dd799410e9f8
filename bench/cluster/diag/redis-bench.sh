#!/usr/bin/env bash
# redis-bench.sh TAG : a fresh 3-node Caucus cluster (fsync on; the jars of ../run.sh, which builds them), a
# redis-benchmark warm-up (WARMN requests, pipeline WARMP; default 600000 at 16), then one redis-benchmark SET
# run per pipeline depth in PS (default "16 1"): -c CLIENTS (default 50) -d 100 -r 100000, N requests (default
# 400k at depth 16, 150k at other depths). EXTRA_YAML adds lines to the cluster file (e.g. "clientIoThreads: 1"),
# JOPTS JVM options to the servers (after the launcher's own memory flags, so "-XX:-UseTransparentHugePages"
# undoes that one), ROOT another checkout's jars (for A/B pairs of two builds). AP=1 samples the leader's CPU
# with async-profiler for 8 s from each run's 2nd second into ap-P<depth>.collapsed (read it with ap-summary.py;
# kernel frames need kernel.perf_event_paranoid at 1 or less). Prints one line per run: the rate, and the CPU
# the three nodes used over the run per SET (from /proc, every thread: JIT and GC included); the cluster's files
# are under bench/cluster/target/diag/rb-TAG.
set -euo pipefail
tag="${1:-}"
[[ "$tag" =~ ^[A-Za-z0-9_-]+$ ]] || { echo "usage: redis-bench.sh TAG (letters, digits, - or _)" >&2; exit 2; }
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"; root="${ROOT:-$(cd "$here/../../.." && pwd)}"; B=${BASE_PORT:-17600}
source "$here/../../../scripts/find-jdk.sh"; jdk="$(find_jdk redis-bench.sh)"
mapfile -t server_jvm_flags < <(server_memory_flags) # as ./caucus runs its nodes; JOPTS comes after, so it can undo
ap_jopts=""
if [[ -n "${AP:-}" ]]; then
  ap_lib="$(bash "$here/async-profiler.sh")"; ap_jopts="-XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints"
fi
dir="$here/../target/diag/rb-$tag"; rm -rf "$dir"; mkdir -p "$dir"
kv_jar="$(ls "$root"/caucus-kv/target/caucus-kv-*.jar | grep -v -- '-sources\|-tests' | head -n 1)"
{ echo "nodes:"; for i in 1 2 3; do echo "  - id: n$i"; echo "    raft: 127.0.0.1:$((B+10+i))"; echo "    client: 127.0.0.1:$((B+20+i))"; echo "    http: 127.0.0.1:$((B+30+i))"; done
  echo "fsync: true"; echo "dataDirectory: $dir/data"; [[ -n "${EXTRA_YAML:-}" ]] && echo -e "$EXTRA_YAML"; } > "$dir/cluster.yaml"
pids=(); trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null; done; wait 2>/dev/null' EXIT
for i in 1 2 3; do
  $jdk/bin/java "${server_jvm_flags[@]}" ${JOPTS:-} $ap_jopts -cp "$kv_jar:$root/caucus-kv/target/lib/*" io.caucus.kv.cli.Main server --config "$dir/cluster.yaml" --id n$i > "$dir/n$i.log" 2>&1 &
  pids+=($!)
done
leader=""; deadline=$((SECONDS + 60))
while [[ -z "$leader" ]]; do
  (( SECONDS < deadline )) || { echo "no leader within 60 s; logs in $dir" >&2; exit 1; }
  for i in 1 2 3; do curl -sf http://127.0.0.1:$((B+30+i))/status 2>/dev/null | grep -q '"role" *: *"leader"' && leader=$i && break; done
  sleep 0.3
done
port=$((B+20+leader))
redis-benchmark -p $port -c 50 -d 100 -r 100000 -n "${WARMN:-600000}" -t set -P "${WARMP:-16}" -q > /dev/null 2>&1
node_ticks() { local sum=0 pid; for pid in "${pids[@]}"; do sum=$((sum + $(awk '{print $14 + $15}' /proc/$pid/stat))); done; echo $sum; }
for P in ${PS:-16 1}; do
  n="${N:-$((P == 16 ? 400000 : 150000))}"
  ticks=$(node_ticks)
  redis-benchmark -p $port -c "${CLIENTS:-50}" -d 100 -r 100000 -n "$n" -t set -P "$P" \
    -q 2>&1 | tr '\r' '\n' | grep -E 'requests per second' | tail -1 > "$dir/rate-P$P" &
  load=$!
  if [[ -n "${AP:-}" ]]; then
    leader_pid=${pids[$((leader-1))]}
    sleep 2
    $jdk/bin/jcmd $leader_pid JVMTI.agent_load "$ap_lib" "\"start,event=cpu,interval=1ms,threads\"" > /dev/null
    sleep 8
    $jdk/bin/jcmd $leader_pid JVMTI.agent_load "$ap_lib" "\"stop,file=$dir/ap-P$P.collapsed,collapsed\"" > /dev/null
  fi
  wait $load
  ticks=$(( $(node_ticks) - ticks ))
  echo "$tag P$P: $(cat "$dir/rate-P$P"); nodes' CPU $(awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" -v n="$n" \
    'BEGIN {printf "%.2f", t / hz * 1e6 / n}') us/SET"
done
