#!/usr/bin/env bash
# Diagnostic companion of ../run.sh (the A/B windows of docs/benchmarks.md; not part of the benchmark):
#   bench/cluster/diag/window.sh TAG
# starts a 3-node Caucus cluster (fsync on), drives it with the cluster-bench load generator (50 clients,
# writes only, WARM seconds of warm-up, default 10), and over a WIN-second window (default 15) inside the
# write phase reports: commits/s (the leader's commit index), server CPU per write by process and by thread
# group (/proc/PID/task), how long each thread group and the load generator waited runnable for a CPU
# (/proc/PID/task/TID/schedstat), and per node the syscalls and context switches per write (perf stat tracepoints).
# JFR=1 records the leader with fast-sampling.jfc (2 ms), JFR=all every node; AP=1 profiles every node's CPU (perf events, kernel frames included)
# over the window with async-profiler (fetched from Maven Central, tools.profiler:async-profiler; collapsed
# stacks per thread in ap-nN.collapsed, summarised by ap-summary.py; AP_EVENT=itimer samples without perf events, for
# a kernel.perf_event_paranoid above 1, with kernel time charged to the frame that made the system call); TLS=1 puts
# TLS on the peer and client ports, as ../run.sh's caucus-tls does, and has the load generator speak it; STRACE=1 adds an strace -c
# after the window. SLOW_MICROS=N has the load generator list when the requests slower than N us were sent
# (wall-clock, 50 ms windows: a stall that holds every client shows as ~50 requests in one window). JOPTS passes JVM options to the servers. Needs the jars of ../run.sh (it builds them),
# perf and python3. HICCUPS=1 runs hiccups.py over the window (how long the whole machine froze). LGOPTS passes JVM options to the load generator. EXTRA_YAML adds lines to the cluster file (e.g. "snapshotThresholdEntries: 1000000"). Output under bench/cluster/target/diag/run-TAG; jfr-summary.sh summarises a recording.
set -euo pipefail
tag="${1:-}"; shift || true
[[ "$tag" =~ ^[A-Za-z0-9_-]+$ ]] || { echo "usage: window.sh TAG (letters, digits, - or _)" >&2; exit 2; }
JOPTS="${JOPTS:-}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"; root="$(cd "$here/../../.." && pwd)"; B=${BASE_PORT:-17400}
source "$root/scripts/find-jdk.sh"; jdk="$(find_jdk window.sh)"
dir="$here/../target/diag/run-$tag"; rm -rf $dir; mkdir -p $dir
kv_jar="$(ls $root/caucus-kv/target/caucus-kv-*.jar | grep -v -- '-sources\|-tests' | head -n 1)"
tls_yaml=""; lg_tls=()
if [[ -n "${TLS:-}" ]]; then
  $jdk/bin/java -cp "$kv_jar:$root/caucus-kv/target/lib/*" "$here/../TlsCertificates.java" $dir/tls n1 n2 n3
  tls_yaml='tls:\n  peer: {ca: tls/ca.pem, cert: "tls/{id}.pem", key: "tls/{id}.key"}\n  client: {ca: tls/ca.pem, cert: "tls/{id}.pem", key: "tls/{id}.key"}'
  lg_tls=(--tls-ca $dir/tls/ca.pem)
fi
{ echo "nodes:"; for i in 1 2 3; do echo "  - id: n$i"; echo "    raft: 127.0.0.1:$((B+10+i))"; echo "    client: 127.0.0.1:$((B+20+i))"; echo "    http: 127.0.0.1:$((B+30+i))"; done; echo "fsync: ${FSYNC:-true}"; echo "dataDirectory: $dir/data"; [[ -n "$tls_yaml" ]] && echo -e "$tls_yaml"; [[ -n "${EXTRA_YAML:-}" ]] && echo -e "$EXTRA_YAML"; } > $dir/cluster.yaml
pids=()
trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null; done; wait 2>/dev/null' EXIT
for i in 1 2 3; do $jdk/bin/java $JOPTS -cp "$kv_jar:$root/caucus-kv/target/lib/*" io.caucus.kv.cli.Main server --config $dir/cluster.yaml --id n$i > $dir/n$i.log 2>&1 & pids+=($!); done
leader=""; while [[ -z "$leader" ]]; do for i in 1 2 3; do curl -sf http://127.0.0.1:$((B+30+i))/status 2>/dev/null | grep -q '"role" *: *"leader"' && leader=$i && break; done; sleep 0.3; done
W=${WARM:-10}; L=${WIN:-15}; EXTRA=0; [[ -n "${STRACE:-}" ]] && EXTRA=8
echo "leader n$leader load $(cut -d' ' -f1-3 /proc/loadavg)"
$jdk/bin/java -Xms256m -Xmx1g ${LGOPTS:-} -jar $root/bench/cluster/target/cluster-bench.jar run --system caucus --results $dir/r.tsv --endpoint 127.0.0.1:$((B+20+${TARGET_NODE:-$leader})) --warmup-seconds $W --write-seconds $((L+6+EXTRA)) --read-seconds 0 --pid ${pids[0]} --pid ${pids[1]} --pid ${pids[2]} --slow-micros ${SLOW_MICROS:-0} "${lg_tls[@]}" > $dir/loadgen.out 2>&1 &
lg=$!
sleep $((W+2))
c0=$(curl -s http://127.0.0.1:$((B+30+leader))/status | grep -o '"commit" *: *[0-9]*' | grep -o '[0-9]*$')
"$here/threads.sh" $dir/a ${pids[@]}; "$here/threads.sh" $dir/a-lg $lg
for i in 1 2 3; do curl -s http://127.0.0.1:$((B+30+i))/metrics > $dir/metrics-a-n$i.txt; done
l0=$(cut -d' ' -f1 /proc/loadavg)
[[ -n "${JFR:-}" ]] && $jdk/bin/jcmd ${pids[$((leader-1))]} JFR.start name=p settings="$here/fast-sampling.jfc" duration=${L}s filename=$dir/leader.jfr >/dev/null
[[ "${JFR:-}" == all ]] && for i in 1 2 3; do (( i == leader )) || $jdk/bin/jcmd ${pids[$((i-1))]} JFR.start name=p settings="$here/fast-sampling.jfc" duration=${L}s filename=$dir/follower-n$i.jfr >/dev/null; done
if [[ -n "${AP:-}" ]]; then
  ap_event="${AP_EVENT:-cpu}"
  [[ "$ap_event" != cpu ]] || (( $(cat /proc/sys/kernel/perf_event_paranoid) <= 1 )) || echo "warning: kernel.perf_event_paranoid is above 1, so async-profiler's cpu event records only a few per cent of the samples; as root: sysctl -w kernel.perf_event_paranoid=1" >&2
  ap_lib="$("$here/async-profiler.sh")"
  for i in 1 2 3; do $jdk/bin/jcmd ${pids[$((i-1))]} JVMTI.agent_load "$ap_lib" "\"start,event=$ap_event,interval=1ms,threads\"" >/dev/null; done
fi
hiccups=""; [[ -n "${HICCUPS:-}" ]] && { python3 "$here/hiccups.py" measure $L $dir/hiccups.txt > $dir/hiccups.out 2>&1 & hiccups=$!; }
for i in 1 2 3; do timeout -s INT $L perf stat -x, -e syscalls:sys_enter_fdatasync,syscalls:sys_enter_futex,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_write,syscalls:sys_enter_read,context-switches -p ${pids[$((i-1))]} -o $dir/perf-n$i.txt >/dev/null 2>&1 & done
sleep $L
"$here/threads.sh" $dir/b ${pids[@]}; "$here/threads.sh" $dir/b-lg $lg
for i in 1 2 3; do curl -s http://127.0.0.1:$((B+30+i))/metrics > $dir/metrics-b-n$i.txt; done
if [[ -n "${AP:-}" ]]; then
  for i in 1 2 3; do $jdk/bin/jcmd ${pids[$((i-1))]} JVMTI.agent_load "$ap_lib" "\"stop,file=$dir/ap-n$i.collapsed,collapsed\"" >/dev/null; done
fi
c1=$(curl -s http://127.0.0.1:$((B+30+leader))/status | grep -o '"commit" *: *[0-9]*' | grep -o '[0-9]*$')
if [[ -n "${STRACE:-}" ]]; then
  s0=$(curl -s http://127.0.0.1:$((B+30+leader))/status | grep -o '"commit" *: *[0-9]*' | grep -o '[0-9]*$')
  for i in 1 2 3; do timeout -s INT 4 strace -f --seccomp-bpf -c -o $dir/strace-n$i.txt -p ${pids[$((i-1))]} >/dev/null 2>&1 & done
  sleep 5
  s1=$(curl -s http://127.0.0.1:$((B+30+leader))/status | grep -o '"commit" *: *[0-9]*' | grep -o '[0-9]*$')
  echo "strace window: $((s1-s0)) commits (leader n$leader)"
  for i in 1 2 3; do echo "-- n$i"; head -16 $dir/strace-n$i.txt; done
fi
wait $lg || true
n=$((c1-c0))
echo "window ${L}s commits $n = $((n/L))/s load@start $l0 load@end $(cut -d' ' -f1-3 /proc/loadavg)"
grep -v '^$' $dir/loadgen.out | grep -v '^slow ' | tail -2
[[ -n "${SLOW_MICROS:-}" ]] && awk -v t=$SLOW_MICROS '/^slow /{n+=$3; w++} END{printf "write phase: %d requests over %d us, in %d windows of 50 ms (lines \"slow\" in %s)\n", n, t, w, FILENAME}' $dir/loadgen.out
[[ -n "$hiccups" ]] && { wait $hiccups || true; sed 's/^/hiccups: /' $dir/hiccups.out; }
python3 "$here/thread-delta.py" $dir/a $dir/b $n $L $dir/a-lg $dir/b-lg
for i in 1 2 3; do echo "n$i $( [[ $i == $leader ]] && echo L || true) runtime counters per write: $(python3 "$here/metrics-delta.py" $dir/metrics-a-n$i.txt $dir/metrics-b-n$i.txt $n)"; done
sleep 1; for i in 1 2 3; do echo "n$i $( [[ $i == $leader ]] && echo L || true) per write: $(grep -v '^#' $dir/perf-n$i.txt | awk -F, -v n=$n 'NF>2 {split($3,a,":"); printf "%s=%.3f ", a[2]?a[2]:$3, $1/n}')"; done
sleep 1
