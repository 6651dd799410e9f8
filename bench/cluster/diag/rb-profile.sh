#!/usr/bin/env bash
# rb-profile.sh TAG : a fresh 3-node Caucus cluster (fsync on; the jars under caucus-kv/target, built by
# `./mvnw -pl caucus-kv -am package -DskipTests`), a redis-benchmark SET warm-up (WARMN requests at depth 16,
# default 800000), then one redis-benchmark SET run (-c CLIENTS -P P -n N, defaults 50, 16, 600000; -d 100
# -r 100000) while async-profiler samples the leader's CPU for 8 s from its 2nd second. Prints the rate;
# the collapsed stacks go to bench/cluster/target/diag/rbp-TAG/leader.collapsed (read them with
# ap-summary.py; kernel frames need kernel.perf_event_paranoid at 1 or less). ROOT picks another checkout's
# jars, for A/B pairs of two builds.
set -euo pipefail
tag="${1:-}"
[[ "$tag" =~ ^[A-Za-z0-9_-]+$ ]] || { echo "usage: rb-profile.sh TAG (letters, digits, - or _)" >&2; exit 2; }
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"; root="${ROOT:-$(cd "$here/../../.." && pwd)}"; B=${BASE_PORT:-17600}
source "$here/../../../scripts/find-jdk.sh"; jdk="$(find_jdk rb-profile.sh)"
lib="$(bash "$here/async-profiler.sh")"
dir="$here/../target/diag/rbp-$tag"; rm -rf "$dir"; mkdir -p "$dir"
kv_jar="$(ls "$root"/caucus-kv/target/caucus-kv-*.jar | grep -v -- '-sources\|-tests' | head -n 1)"
{ echo "nodes:"; for i in 1 2 3; do echo "  - id: n$i"; echo "    raft: 127.0.0.1:$((B+10+i))"; echo "    client: 127.0.0.1:$((B+20+i))"; echo "    http: 127.0.0.1:$((B+30+i))"; done
  echo "fsync: true"; echo "dataDirectory: $dir/data"; } > "$dir/cluster.yaml"
pids=(); trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null; done; wait 2>/dev/null' EXIT
for i in 1 2 3; do
  $jdk/bin/java -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints -cp "$kv_jar:$root/caucus-kv/target/lib/*" \
    io.caucus.kv.cli.Main server --config "$dir/cluster.yaml" --id n$i > "$dir/n$i.log" 2>&1 &
  pids+=($!)
done
leader=""; deadline=$((SECONDS + 60))
while [[ -z "$leader" ]]; do
  (( SECONDS < deadline )) || { echo "no leader within 60 s; logs in $dir" >&2; exit 1; }
  for i in 1 2 3; do curl -sf http://127.0.0.1:$((B+30+i))/status 2>/dev/null | grep -q '"role" *: *"leader"' && leader=$i && break; done
  sleep 0.3
done
port=$((B+20+leader)); leader_pid=${pids[$((leader-1))]}
redis-benchmark -p $port -c 50 -d 100 -r 100000 -n "${WARMN:-800000}" -t set -P 16 -q > /dev/null 2>&1
redis-benchmark -p $port -c "${CLIENTS:-50}" -d 100 -r 100000 -n "${N:-600000}" -t set -P "${P:-16}" -q 2>&1 \
  | tr '\r' '\n' | grep -E 'requests per second' | tail -1 > "$dir/rate" &
load=$!
sleep 2
$jdk/bin/jcmd $leader_pid JVMTI.agent_load "$lib" "\"start,event=cpu,interval=1ms,threads\"" > /dev/null
sleep 8
$jdk/bin/jcmd $leader_pid JVMTI.agent_load "$lib" "\"stop,file=$dir/leader.collapsed,collapsed\"" > /dev/null
wait $load
echo "$tag P${P:-16} c${CLIENTS:-50}: $(cat "$dir/rate")"
