#!/usr/bin/env bash
# bench/shards/run.sh: the sharded KV service (issue 23) through its Redis port: 3 `caucus server` processes
# (loopback, real data directories, fsync on) in each configuration, one configuration at a time:
#   single     `shards` unset: one Raft group, a plain Redis server to clients (the baseline); Jedis to its leader
#   shards1    `shards: 1`: a ShardedKvServer (CaucusHost, metadata group + 1 data group), Redis Cluster
#   shards16   `shards: 16`: the same with 16 data groups, each on all three nodes
# each driven at every client count by bench/cluster's Java load generator: closed-loop clients, 8-byte keys drawn
# uniformly over 100k keys, 100-byte values, a warm-up of writes, a SET phase, a GET phase. The sharded
# configurations go through one JedisCluster (--redis-cluster true): each key goes to its slot's group leader, as
# an application's would. Server CPU per operation is the 3 processes' user + system time from /proc over each
# phase; fsyncs are the 3 processes' fsync and fdatasync calls counted by perf stat over the write phase less 1 s,
# and so are their context switches (every thread hand-off that finds its thread asleep costs one or two).
# Writes per fsync are per node: the write rate over one node's fsync rate (every node holds a replica of every
# group, so each write is made durable once on each node). Prints one table and writes it to
# bench/shards/target/results.md.
#
# Tunables (environment): CONFIGS="single shards1 shards16" CLIENTS_LIST="50 400" WARMUP_SECONDS=30
#   WRITE_SECONDS=20 READ_SECONDS=20 KEYS=100000 VALUE_BYTES=100 BASE_PORT=16400 (ports BASE_PORT+11..+33)
#   EXTRA_YAML: lines added to every configuration's cluster file (e.g. EXTRA_YAML="proposalLingerMicros: 0")
#   PROFILE=1: async-profiler (bench/cluster/diag/async-profiler.sh) on all three nodes over each write phase,
#   collapsed stacks in target/run/<config>-c<clients>/ap-nN.collapsed and a summary per node beside them
# Missing Debian packages (redis-tools, linux-perf) are installed by scripts/ensure-packages.sh.
# Everything started here is stopped on exit.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="$here/target"
work="$target/run"
results_tsv="$target/results.tsv"
fsyncs_tsv="$target/fsyncs.tsv"
layout_tsv="$target/layout.tsv"
loadgen_jar="$root/bench/cluster/target/cluster-bench.jar"

CONFIGS="${CONFIGS:-single shards1 shards16}"
CLIENTS_LIST="${CLIENTS_LIST:-50 400}"
# 30 s, as bench/cluster: the three JVMs' C2 compilers are still busy after 10 s on this 2-core host.
WARMUP_SECONDS="${WARMUP_SECONDS:-30}"
WRITE_SECONDS="${WRITE_SECONDS:-20}"
READ_SECONDS="${READ_SECONDS:-20}"
KEYS="${KEYS:-100000}"
VALUE_BYTES="${VALUE_BYTES:-100}"
BASE_PORT="${BASE_PORT:-16400}"
PROFILE="${PROFILE:-0}"
CLK_TCK="$(getconf CLK_TCK)"

log() { echo "shards-bench: $(date +%H:%M:%S) $*" >&2; }
die() { echo "shards-bench: error: $*" >&2; exit 1; }

# ---------------------------------------------------------------- processes we start, stopped on exit
started=()
cleanup() {
  local pid
  for pid in "${started[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${started[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  started=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- prerequisites
source "$root/scripts/find-jdk.sh" # find_jdk, server_memory_flags
mapfile -t server_jvm_flags < <(server_memory_flags) # the nodes run with the memory flags ./caucus gives them

newer_sources() { # prints a source file newer than $1, if any
  find "$root" \( -path "$root/.git" -o -name target \) -prune -o \( -name '*.java' -o -name pom.xml \) \
    -newer "$1" -print -quit
}
build() {
  local kv_jar
  kv_jar="$(ls "$root"/caucus-kv/target/caucus-kv-*.jar 2>/dev/null | grep -v -- '-sources\|-tests' | head -n 1 || true)"
  if [[ ! -f "$loadgen_jar" || -n "$(newer_sources "$loadgen_jar")" || -z "$kv_jar" \
        || -n "$(newer_sources "$kv_jar")" || ! -d "$root/caucus-kv/target/lib" ]]; then
    log "building: ./mvnw -q -B -DskipTests package -pl caucus-kv,bench/cluster -am"
    (cd "$root" && ./mvnw -q -B -DskipTests package -pl caucus-kv,bench/cluster -am)
  fi
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
client_port() { echo $((BASE_PORT + 20 + $1)); }
http_port() { echo $((BASE_PORT + 30 + $1)); }

# ---------------------------------------------------------------- fsyncs during the write phase (perf stat)
fsync_events="syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync,context-switches"
check_perf() {
  local out
  out="$(perf stat -x, -e "$fsync_events" -- true 2>&1)" || die "perf stat cannot count syscalls here: $(echo "$out" | head -n 1)"
}
# after_write_starts RUN MARKER: waits for the load generator's marker of the measured write phase
after_write_starts() {
  local deadline=$((SECONDS + WARMUP_SECONDS + 120))
  until [[ -f "$2" ]]; do
    (( SECONDS < deadline )) || { echo "shards-bench: $1: the write phase never started" >&2; return 1; }
    sleep 0.1
  done
}
write_window() { echo $((WRITE_SECONDS > 2 ? WRITE_SECONDS - 1 : WRITE_SECONDS)); }
count_fsyncs() { # count_fsyncs RUN MARKER PIDS...
  local run="$1" marker="$2"; shift 2
  local out="$work/$run/fsyncs.perf" window
  window="$(write_window)"
  after_write_starts "$run" "$marker" || return 0
  perf stat -x, -o "$out" -e "$fsync_events" -p "$(IFS=,; echo "$*")" -- sleep "$window" >/dev/null 2>&1 \
    || { echo "shards-bench: $run: perf stat failed; no fsync count" >&2; return 0; }
  printf '%s\t%s\t%s\t%s\t%s\n' "$run" "$(awk -F, '/sys_enter_f/ {n += $1} END {print n + 0}' "$out")" "$window" "$#" \
    "$(awk -F, '/context-switches/ {n += $1} END {print n + 0}' "$out")" >> "$fsyncs_tsv"
}

# ---------------------------------------------------------------- async-profiler over the write phase
ap_lib=""
profile_nodes() { # profile_nodes RUN MARKER PIDS...: CPU samples of every node over the write phase less 1 s
  local run="$1" marker="$2"; shift 2
  local dir="$work/$run" i=0 pid
  after_write_starts "$run" "$marker" || return 0
  for pid in "$@"; do
    "$jdk/bin/jcmd" "$pid" JVMTI.agent_load "$ap_lib" "\"start,event=cpu,interval=1ms,threads\"" >/dev/null
  done
  sleep "$(write_window)"
  for pid in "$@"; do
    i=$((i + 1))
    "$jdk/bin/jcmd" "$pid" JVMTI.agent_load "$ap_lib" "\"stop,file=$dir/ap-n$i.collapsed,collapsed\"" >/dev/null
  done
}

# ---------------------------------------------------------------- a 3-node cluster in one configuration
pids=()
start_cluster() { # start_cluster CONFIG
  local config="$1" dir="$work/$1" i kv_jar
  pids=()
  mkdir -p "$dir"
  kv_jar="$(ls "$root"/caucus-kv/target/caucus-kv-*.jar | grep -v -- '-sources\|-tests' | head -n 1)"
  {
    echo "nodes:"
    for i in 1 2 3; do
      echo "  - id: n$i"
      echo "    raft: 127.0.0.1:$((BASE_PORT + 10 + i))"
      echo "    client: 127.0.0.1:$(client_port $i)"
      echo "    http: 127.0.0.1:$(http_port $i)"
    done
    echo "fsync: true"
    echo "dataDirectory: $dir/data"
    case "$config" in
      shards1) echo "shards: 1" ;;
      shards16) echo "shards: 16" ;;
    esac
    if [[ -n "${EXTRA_YAML:-}" ]]; then echo -e "$EXTRA_YAML"; fi
  } > "$dir/cluster.yaml"
  for i in 1 2 3; do
    "$jdk/bin/java" "${server_jvm_flags[@]}" -cp "$kv_jar:$root/caucus-kv/target/lib/*" io.caucus.kv.cli.Main server \
      --config "$dir/cluster.yaml" --id "n$i" > "$dir/n$i.log" 2>&1 &
    started+=($!); pids+=($!)
  done
  local deadline=$((SECONDS + 90))
  until ready "$config"; do
    (( SECONDS < deadline )) || die "$config: the cluster was not ready within 90 s; logs in $dir"
    sleep 0.3
  done
  log "$config: ready (pids ${pids[*]}), $(layout "$config")"
}

single_leader=""
ready() { # ready CONFIG: a leader (one group), or every node answering cluster_state:ok and the leaders spread
  local i
  if [[ "$1" == single ]]; then
    for i in 1 2 3; do
      curl -sf "http://127.0.0.1:$(http_port $i)/status" 2>/dev/null | grep -q '"role" *: *"leader"' \
        && { single_leader=$i; return 0; }
    done
    return 1
  fi
  for i in 1 2 3; do
    redis-cli -p "$(client_port $i)" CLUSTER INFO 2>/dev/null | grep -q 'cluster_state:ok' || return 1
  done
  # and the leaders spread: each data group goes to its preferred replica (LeaderBalancer), round the nodes, within
  # seconds of the elections; a run started before would measure the hand-overs.
  layout "$1" | awk '{ min = 1e9; max = 0
      for (i = 2; i <= NF; i++) { split($i, p, ":"); if (p[2] < min) min = p[2]; if (p[2] > max) max = p[2] }
      exit (max - min <= 1) ? 0 : 1 }'
}

# layout CONFIG: where the data groups' leaders are, e.g. "leaders n1:1 n2:0 n3:15" (a sharded node leads the
# groups whose slots CLUSTER NODES gives it; every group has 16384 / shards slots).
layout() {
  if [[ "$1" == single ]]; then echo "leader n$single_leader"; return; fi
  local shards=1; [[ "$1" == shards16 ]] && shards=16
  redis-cli -p "$(client_port 1)" CLUSTER NODES | awk -v base="$(client_port 0)" -v per=$((16384 / shards)) '
    { split($2, a, "[:@]"); node = "n" (a[2] - base); slots = 0
      for (i = 9; i <= NF; i++) { n = split($i, r, "-"); slots += (n == 2 ? r[2] - r[1] + 1 : 1) }
      led[node] = slots / per }
    END { printf "leaders"; for (i = 1; i <= 3; i++) printf " n%d:%d", i, led["n" i]; print "" }'
}

# ---------------------------------------------------------------- one load run
bench_run() { # bench_run CONFIG CLIENTS
  local config="$1" clients="$2" run="$1-c$2" endpoints=() extra=() i p before after watchers=()
  mkdir -p "$work/$run"
  if [[ "$config" == single ]]; then
    endpoints=(--endpoint "127.0.0.1:$(client_port "$single_leader")")
  else
    for i in 1 2 3; do endpoints+=(--endpoint "127.0.0.1:$(client_port $i)"); done
    extra=(--redis-cluster true)
  fi
  for p in "${pids[@]}"; do extra+=(--pid "$p"); done
  local marker="$work/$run/write-started"
  count_fsyncs "$run" "$marker" "${pids[@]}" &
  started+=($!); watchers+=($!)
  if (( PROFILE )); then profile_nodes "$run" "$marker" "${pids[@]}" & started+=($!); watchers+=($!); fi
  before="$(layout "$config")"
  log "$run: load generator ($clients clients; warm-up ${WARMUP_SECONDS}s, writes ${WRITE_SECONDS}s, reads ${READ_SECONDS}s), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  "$jdk/bin/java" -Xms256m -Xmx1g -jar "$loadgen_jar" run --system "$run" --results "$results_tsv" \
    --clients "$clients" --keys "$KEYS" --value-bytes "$VALUE_BYTES" --warmup-seconds "$WARMUP_SECONDS" \
    --write-seconds "$WRITE_SECONDS" --read-seconds "$READ_SECONDS" --clock-ticks-per-second "$CLK_TCK" \
    --write-started "$marker" "${endpoints[@]}" "${extra[@]}" 2> >(grep -v '^SLF4J' >&2)
  wait "${watchers[@]}" # the fsync count (and the profile) of this run
  after="$(layout "$config")"
  [[ "$before" == "$after" ]] || log "$run: leadership moved during the run: $before -> $after"
  printf '%s\t%s\t%s\t%s\n' "$run" "$after" "$(cut -d' ' -f1 /proc/loadavg)" "$before" >> "$layout_tsv"
  if (( PROFILE )); then
    for i in 1 2 3; do
      [[ -f "$work/$run/ap-n$i.collapsed" ]] && python3 "$root/bench/cluster/diag/ap-summary.py" \
        "$work/$run/ap-n$i.collapsed" > "$work/$run/ap-n$i.txt"
    done
    log "$run: profiles in $work/$run/ap-n*.txt"
  fi
}

# ---------------------------------------------------------------- the table
report() {
  {
    echo "| configuration | clients | data-group leaders | writes/s | write p50 / p99 ms | server CPU µs/write | context switches per write | fsyncs/s per node | writes per fsync | reads/s | read p50 / p99 ms | server CPU µs/read | errors | load (1 min) at the end |"
    echo "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    awk -F'\t' '
      FILENAME ~ /fsyncs/ { fsyncs[$1] = $2 / $4 / $3; switches[$1] = $5 / $3; next }   # per node; all nodes, per second
      FILENAME ~ /layout/ { lay[$1] = $2; load[$1] = $3; next }
      $3 == "write" { order[++n] = $1; w[$1] = $7; wl[$1] = sprintf("%.2f / %.2f", $8 / 1000, $9 / 1000); wc[$1] = $10; err[$1] += $5 }
      $3 == "read"  { r[$1] = $7; rl[$1] = sprintf("%.2f / %.2f", $8 / 1000, $9 / 1000); rc[$1] = $10; err[$1] += $5 }
      END {
        for (i = 1; i <= n; i++) {
          run = order[i]; config = run; clients = run; sub(/-c[0-9]+$/, "", config); sub(/.*-c/, "", clients)
          f = (run in fsyncs) ? sprintf("%.0f", fsyncs[run]) : "n/a"
          wpf = (run in fsyncs && fsyncs[run] > 0) ? sprintf("%.1f", w[run] / fsyncs[run]) : "n/a"
          cs = (run in switches && w[run] > 0) ? sprintf("%.1f", switches[run] / w[run]) : "n/a"
          printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %d | %s |\n", config, clients, lay[run],
            w[run], wl[run], wc[run], cs, f, wpf, r[run], rl[run], rc[run], err[run], load[run]
        }
      }' "$fsyncs_tsv" "$layout_tsv" "$results_tsv"
    echo
    echo "Host: $(nproc) cores, shared; $(uname -r); $(date -u +%Y-%m-%d) UTC. Each configuration: 3 nodes, fsync on;"
    echo "${WARMUP_SECONDS}s warm-up, ${WRITE_SECONDS}s of SET, ${READ_SECONDS}s of GET; $KEYS keys, $VALUE_BYTES-byte values."
  } > "$target/results.md"
  cat "$target/results.md"
}

# ---------------------------------------------------------------- the run
for config in $CONFIGS; do
  case "$config" in
    single | shards1 | shards16) ;;
    *) die "CONFIGS: unknown configuration '$config' (expected single, shards1 and/or shards16)" ;;
  esac
done
"$root/scripts/ensure-packages.sh" redis-tools linux-perf
build
jdk="$(find_jdk "shards bench")"
check_perf
(( PROFILE )) && ap_lib="$("$root/bench/cluster/diag/async-profiler.sh")"
for port in $(seq $((BASE_PORT + 11)) $((BASE_PORT + 33))); do
  port_free "$port" || die "port $port on 127.0.0.1 is in use (set BASE_PORT to move the benchmark's ports)"
done
rm -rf "$work" "$results_tsv" "$fsyncs_tsv" "$layout_tsv"
mkdir -p "$work"
log "host: $(nproc) cores, $(uname -r); load average $(cut -d' ' -f1-3 /proc/loadavg); data under $work"
for config in $CONFIGS; do
  start_cluster "$config"
  for clients in $CLIENTS_LIST; do
    bench_run "$config" "$clients"
  done
  cleanup
done
echo
report
log "table written to $target/results.md"
