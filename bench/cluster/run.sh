#!/usr/bin/env bash
# bench/cluster/run.sh: one command that benchmarks a 3-node Caucus cluster (fsync on) against its peers, all on
# loopback, one system at a time, with the same load (50 closed-loop clients, 8-byte keys over 100k keys,
# 100-byte values, a write phase then a read phase), each driven through its own client from a separate process:
#   caucus     3 nodes; the Java load generator (bench/cluster/src) through Jedis
#   etcd       3 members; a Go load generator through clientv3, etcd's own client (bench/cluster/etcd-load)
#   sofajraft  3 JVMs of a replicated map on SOFAJRaft; its load generator through SOFAJRaft's RPC client
#   ratis      3 JVMs of a replicated map on Apache Ratis (gRPC); its load generator through Ratis's client
#   ratis-netty the same on Ratis's Netty transport (servers and clients)
#   redis      redis-server with appendfsync always; the Java load generator through Jedis
# plus redis-benchmark on Caucus and redis-server as a second opinion. Server CPU per operation comes from
# /proc of the server processes; writes per fsync from perf stat counting the servers' fsync and fdatasync
# calls during the write phase (n/a when perf cannot count syscalls here). Prints one table with the ratios of
# Caucus to every other system and writes it to bench/cluster/target/results.md.
#
# Tunables (environment): WARMUP_SECONDS=30 WRITE_SECONDS=20 READ_SECONDS=20 CLIENTS=50 KEYS=100000
#   VALUE_BYTES=100 RB_REQUESTS=100000 (per unpipelined redis-benchmark test) RB_PIPELINED_REQUESTS=1000000 (per
#   16-deep test: 100,000 pass in under a second, too short a window for a rate) PROFILE=1 (JFR of the Caucus leader)
#   BASE_PORT=16300 (ports BASE_PORT+11..BASE_PORT+56 on 127.0.0.1 are used)
#   SYSTEMS="caucus etcd sofajraft ratis ratis-netty redis" (a subset runs only those; the ratios need caucus and the other)
#   TLS=1 also runs caucus-tls right after caucus: the same cluster and load with TLS on the peer and client ports
#   (certificates made by caucus demo --tls's code), so the table's caucus/caucus-tls row is TLS's cost
# Missing Debian packages (etcd-server etcd-client redis-server redis-tools golang-go golang-etcd-server-dev)
# are installed by scripts/ensure-packages.sh (apt-get). The etcd load generator is built in GOPATH mode from
# Debian's etcd sources (no module downloads); the JVM peers with ./mvnw -Ppeers.
# Everything started here is stopped on exit.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="$here/target"
work="$target/run"
results_tsv="$target/results.tsv"
threads_tsv="$target/threads.tsv"
fsyncs_tsv="$target/fsyncs.tsv"

# 30 s: with 10 s, the C2 compiler threads of the three JVMs still take over half of Caucus's CPU during the
# write phase on the loaded 2-core host (target/threads.tsv shows their share).
WARMUP_SECONDS="${WARMUP_SECONDS:-30}"
WRITE_SECONDS="${WRITE_SECONDS:-20}"
READ_SECONDS="${READ_SECONDS:-20}"
CLIENTS="${CLIENTS:-50}"
KEYS="${KEYS:-100000}"
VALUE_BYTES="${VALUE_BYTES:-100}"
RB_REQUESTS="${RB_REQUESTS:-100000}"
RB_PIPELINED_REQUESTS="${RB_PIPELINED_REQUESTS:-1000000}"
PROFILE="${PROFILE:-1}"
BASE_PORT="${BASE_PORT:-16300}"
SYSTEMS="${SYSTEMS:-caucus etcd sofajraft ratis ratis-netty redis}"
TLS="${TLS:-0}"
if [[ "$TLS" == 1 && " $SYSTEMS " == *" caucus "* && " $SYSTEMS " != *" caucus-tls "* ]]; then
  SYSTEMS="${SYSTEMS/caucus/caucus caucus-tls}"
fi
CLK_TCK="$(getconf CLK_TCK)"

log() { echo "bench: $(date +%H:%M:%S) $*" >&2; }
load_note() { # the shared host's load average when a system starts: the context every number here needs
  echo "- $1: load average $(cut -d' ' -f1-3 /proc/loadavg) at $(date -u +%H:%M:%S) UTC" >> "$target/host-load.md"
}
die() { echo "bench: error: $*" >&2; exit 1; }

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
stop_all() { cleanup; }

# ---------------------------------------------------------------- prerequisites
source "$root/scripts/find-jdk.sh" # find_jdk, server_memory_flags
# Every JVM server, Caucus's and the JVM peers', runs with the memory flags ./caucus gives its nodes.
mapfile -t server_jvm_flags < <(server_memory_flags)

newer_sources() { # prints a source file newer than $1, if any
  find "$root" \( -path "$root/.git" -o -name target \) -prune -o \( -name '*.java' -o -name pom.xml \) \
    -newer "$1" -print -quit
}
selected() { [[ " $SYSTEMS " == *" $1 "* ]]; }

build() {
  local bench_jar="$target/cluster-bench.jar" kv_jar modules="caucus-kv,bench/cluster" jars=("$target/cluster-bench.jar")
  selected sofajraft && { modules+=",bench/peers/sofajraft"; jars+=("$root/bench/peers/sofajraft/target/sofajraft-bench.jar"); }
  { selected ratis || selected ratis-netty; } && { modules+=",bench/peers/ratis"; jars+=("$root/bench/peers/ratis/target/ratis-bench.jar"); }
  kv_jar="$(ls "$root"/caucus-kv/target/caucus-kv-*.jar 2>/dev/null | grep -v -- '-sources\|-tests' | head -n 1 || true)"
  local jar fresh=1
  for jar in "${jars[@]}"; do
    [[ -f "$jar" && -z "$(newer_sources "$jar")" ]] || fresh=0
  done
  if (( ! fresh )) || [[ -z "$kv_jar" || ! -d "$root/caucus-kv/target/lib" ]]; then
    log "building: ./mvnw -q -B -DskipTests -Ppeers package -pl $modules -am"
    (cd "$root" && ./mvnw -q -B -DskipTests -Ppeers package -pl "$modules" -am)
  fi
  selected etcd && build_etcd_load
  return 0
}

# The etcd load generator, built in GOPATH mode against Debian's etcd 3.4 sources (golang-etcd-server-dev
# installs them under /usr/share/gocode), so nothing is downloaded.
etcd_load="$target/etcd-load"
build_etcd_load() {
  [[ -x "$etcd_load" && ! "$here/etcd-load/main.go" -nt "$etcd_load" ]] && return
  log "building the etcd load generator: go build (GOPATH mode, Debian's etcd sources)"
  mkdir -p "$target"
  (cd "$here" && GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= go build -o "$etcd_load" ./etcd-load) \
    || die "go build of bench/cluster/etcd-load failed (are golang-go and golang-etcd-server-dev installed?)"
}

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND until it succeeds or the deadline passes
  local deadline=$((SECONDS + $1)) what="$2"; shift 2
  until "$@" >/dev/null 2>&1; do
    (( SECONDS < deadline )) || die "timed out waiting for $what"
    sleep 0.2
  done
}
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
cpu_ticks() { local pid sum=0; for pid in "$@"; do sum=$((sum + $(awk '{print $14 + $15}' "/proc/$pid/stat"))); done; echo "$sum"; }

# ---------------------------------------------------------------- writes per fsync
# perf counts the fsync and fdatasync calls of every thread of the server processes (Java's FileChannel.force,
# RocksDB's WAL sync, etcd's WAL and redis's AOF all end in one of the two).
fsync_events="syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync"
perf_why_not=""
check_perf() {
  command -v perf >/dev/null 2>&1 || { perf_why_not="perf is not installed (Debian: linux-perf)"; return; }
  local out
  out="$(perf stat -x, -e "$fsync_events" -- true 2>&1)" \
    || perf_why_not="perf stat cannot count syscalls here: $(echo "$out" | head -n 1)"
}
count_fsyncs() { # count_fsyncs SYSTEM MARKER PIDS...: from when MARKER appears, for the write phase less 1 s
  local system="$1" marker="$2"; shift 2
  local window=$((WRITE_SECONDS > 2 ? WRITE_SECONDS - 1 : WRITE_SECONDS)) out="$work/$system.perf" deadline
  deadline=$((SECONDS + WARMUP_SECONDS + 120))
  until [[ -f "$marker" ]]; do
    (( SECONDS < deadline )) || { echo "bench: $system: the write phase never started; no fsync count" >&2; return; }
    sleep 0.1
  done
  perf stat -x, -o "$out" -e "$fsync_events" -p "$(IFS=,; echo "$*")" -- sleep "$window" >/dev/null 2>&1 || {
    echo "bench: $system: perf stat failed; no fsync count" >&2; return; }
  printf '%s\t%s\t%s\t%s\n' "$system" "$(awk -F, '/sys_enter_f/ {n += $1} END {print n + 0}' "$out")" "$window" "$#" \
    >> "$fsyncs_tsv"
}

loadgen_args() { # loadgen_args SYSTEM "ENDPOINTS" PIDS...: the arguments every load generator takes
  local system="$1" endpoints="$2"; shift 2
  loadgen_argv=(--system "$system" --results "$results_tsv" --clients "$CLIENTS" --keys "$KEYS"
    --value-bytes "$VALUE_BYTES" --warmup-seconds "$WARMUP_SECONDS" --write-seconds "$WRITE_SECONDS"
    --read-seconds "$READ_SECONDS" --clock-ticks-per-second "$CLK_TCK" --write-started "$work/$system.write-started")
  local e p
  for e in $endpoints; do loadgen_argv+=(--endpoint "$e"); done
  for p in "$@"; do loadgen_argv+=(--pid "$p"); done
  log "$system: load generator (warm-up ${WARMUP_SECONDS}s, writes ${WRITE_SECONDS}s, reads ${READ_SECONDS}s, $CLIENTS clients)"
  if [[ -z "$perf_why_not" ]]; then
    count_fsyncs "$system" "$work/$system.write-started" "$@" &
    started+=($!)
  fi
}

loadgen() { # loadgen SYSTEM "ENDPOINTS" PIDS...: the Java load generator (Jedis), for Caucus and redis-server
  loadgen_args "$@"
  [[ "$1" == caucus-tls ]] && loadgen_argv+=(--tls-ca "$work/caucus-tls/tls/ca.pem")
  "$jdk/bin/java" -Xms256m -Xmx1g -jar "$target/cluster-bench.jar" run "${loadgen_argv[@]}" --threads "$threads_tsv"
}
peer_loadgen() { # peer_loadgen JAR SYSTEM "ENDPOINTS" PIDS...: a JVM peer's load generator, its own client
  local jar="$1"; shift
  loadgen_args "$@"
  "$jdk/bin/java" -Xms256m -Xmx1g -jar "$jar" load "${loadgen_argv[@]}" --threads "$threads_tsv"
}

redis_benchmark() { # redis_benchmark SYSTEM PORT PIDS...: SET and GET, unpipelined and 16 deep
  local system="$1" port="$2"; shift 2
  local depth test before after csv rps p50 p99 phase requests tls=()
  [[ "$system" == caucus-tls ]] && tls=(--tls --cacert "$work/caucus-tls/tls/ca.pem")
  for depth in 1 16; do
    (( depth == 1 )) && requests="$RB_REQUESTS" || requests="$RB_PIPELINED_REQUESTS"
    for test in set get; do
      before="$(cpu_ticks "$@")"
      csv="$(redis-benchmark "${tls[@]}" -h 127.0.0.1 -p "$port" -c "$CLIENTS" -d "$VALUE_BYTES" -r "$KEYS" -n "$requests" \
        -P "$depth" -t "$test" --csv)"
      after="$(cpu_ticks "$@")"
      read -r rps p50 p99 < <(echo "$csv" | tr -d '"' | awk -F, 'NR==2 {print $2, $5 * 1000, $7 * 1000}')
      [[ "$test" == set ]] && phase=write || phase=read
      printf '%s\tredis-benchmark-P%s\t%s\t%s\t-\t-\t%.0f\t%.0f\t%.0f\t%.1f\n' "$system" "$depth" "$phase" \
        "$requests" "$rps" "$p50" "$p99" "$(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v n="$requests" 'BEGIN {print t * 1000000 / hz / n}')" \
        | tee -a "$results_tsv"
    done
  done
}

# ---------------------------------------------------------------- Caucus: 3 nodes, fsync on
caucus_pids=()
start_caucus() { # start_caucus [tls]: with tls, TLS on the peer and client ports (the admin port stays plaintext)
  local tls="${1:-}" dir="$work/caucus${1:+-$1}" i kv_jar
  caucus_pids=()
  mkdir -p "$dir"
  kv_jar="$(ls "$root"/caucus-kv/target/caucus-kv-*.jar | grep -v -- '-sources\|-tests' | head -n 1)"
  if [[ -n "$tls" ]]; then
    "$jdk/bin/java" -cp "$kv_jar:$root/caucus-kv/target/lib/*" "$here/TlsCertificates.java" "$dir/tls" n1 n2 n3
  fi
  {
    echo "nodes:"
    for i in 1 2 3; do
      echo "  - id: n$i"
      echo "    raft: 127.0.0.1:$((BASE_PORT + 10 + i))"
      echo "    client: 127.0.0.1:$((BASE_PORT + 20 + i))"
      echo "    http: 127.0.0.1:$((BASE_PORT + 30 + i))"
    done
    echo "fsync: true"
    echo "dataDirectory: $dir/data"
    if [[ -n "$tls" ]]; then
      echo "tls:"
      echo "  peer: {ca: tls/ca.pem, cert: \"tls/{id}.pem\", key: \"tls/{id}.key\"}"
      echo "  client: {ca: tls/ca.pem, cert: \"tls/{id}.pem\", key: \"tls/{id}.key\"}"
    fi
  } > "$dir/cluster.yaml"
  for i in 1 2 3; do
    "$jdk/bin/java" "${server_jvm_flags[@]}" -cp "$kv_jar:$root/caucus-kv/target/lib/*" io.caucus.kv.cli.Main server \
      --config "$dir/cluster.yaml" --id "n$i" > "$dir/n$i.log" 2>&1 &
    started+=($!); caucus_pids+=($!)
  done
  caucus_leader=""
  local deadline=$((SECONDS + 90))
  while [[ -z "$caucus_leader" ]]; do
    (( SECONDS < deadline )) || die "Caucus elected no leader within 90 s; logs in $dir"
    for i in 1 2 3; do
      curl -sf "http://127.0.0.1:$((BASE_PORT + 30 + i))/status" 2>/dev/null | grep -q '"role" *: *"leader"' \
        && { caucus_leader=$i; break; }
    done
    sleep 0.3
  done
  log "caucus: leader n$caucus_leader (pid ${caucus_pids[$((caucus_leader - 1))]}), client port $((BASE_PORT + 20 + caucus_leader))"
}

profile_leader() { # profile_leader PID SYSTEM: JFR of the leader during the write phase (starts after the warm-up)
  local pid="$1" system="$2"
  ( sleep $((WARMUP_SECONDS + 2)); "$jdk/bin/jcmd" "$pid" JFR.start name=bench settings=profile duration=15s \
      filename="$target/$system-leader.jfr" >/dev/null ) &
  started+=($!)
}

# ---------------------------------------------------------------- etcd: 3 members
etcd_pids=()
start_etcd() {
  local dir="$work/etcd" i cluster=""
  mkdir -p "$dir"
  for i in 1 2 3; do cluster+="${cluster:+,}e$i=http://127.0.0.1:$((BASE_PORT + 40 + 2 * i))"; done
  for i in 1 2 3; do
    etcd --name "e$i" --data-dir "$dir/e$i" \
      --listen-client-urls "http://127.0.0.1:$((BASE_PORT + 39 + 2 * i))" \
      --advertise-client-urls "http://127.0.0.1:$((BASE_PORT + 39 + 2 * i))" \
      --listen-peer-urls "http://127.0.0.1:$((BASE_PORT + 40 + 2 * i))" \
      --initial-advertise-peer-urls "http://127.0.0.1:$((BASE_PORT + 40 + 2 * i))" \
      --initial-cluster "$cluster" --initial-cluster-token caucus-bench --initial-cluster-state new \
      > "$dir/e$i.log" 2>&1 &
    started+=($!); etcd_pids+=($!)
  done
  etcd_endpoints="127.0.0.1:$((BASE_PORT + 41)),127.0.0.1:$((BASE_PORT + 43)),127.0.0.1:$((BASE_PORT + 45))"
  wait_for 60 "etcd cluster health" env ETCDCTL_API=3 etcdctl --endpoints="$etcd_endpoints" endpoint health
  etcd_leader="$(ETCDCTL_API=3 etcdctl --endpoints="$etcd_endpoints" endpoint status -w simple \
    | awk -F', ' '$5 == "true" {print $1}')"
  [[ -n "$etcd_leader" ]] || die "etcd reports no leader"
  log "etcd: $(etcd --version | head -n 1), leader $etcd_leader"
}

# ---------------------------------------------------------------- JVM peers: 3 nodes each, fsync on
peer_pids=()
peer_endpoints=()
# The nodes elect their leader while starting; the load generator waits for it (its client finds the leader).
start_peer() { # start_peer SYSTEM PORT_OFFSET [LABEL]: nodes on BASE_PORT+PORT_OFFSET+1..3, files under LABEL
  local system="$1" offset="$2" dir="$work/${3:-$1}" i jar
  jar="$root/bench/peers/$system/target/$system-bench.jar"
  peer_pids=(); peer_endpoints=()
  for i in 1 2 3; do peer_endpoints+=("127.0.0.1:$((BASE_PORT + offset + i))"); done
  mkdir -p "$dir"
  for i in 1 2 3; do
    "$jdk/bin/java" "${server_jvm_flags[@]}" -jar "$jar" server --id "$i" --peers "$(IFS=,; echo "${peer_endpoints[*]}")" --dir "$dir/n$i" \
      > "$dir/n$i.log" 2>&1 &
    started+=($!); peer_pids+=($!)
  done
  for i in 1 2 3; do
    wait_for 60 "$system node n$i to listen" bash -c "exec 3<>/dev/tcp/127.0.0.1/$((BASE_PORT + offset + i))"
  done
  log "$system: nodes listening on ${peer_endpoints[*]} (pids ${peer_pids[*]}); logs in $dir"
}

# ---------------------------------------------------------------- redis-server: appendfsync always
redis_pids=()
start_redis() {
  local dir="$work/redis"
  mkdir -p "$dir"
  redis_port=$((BASE_PORT + 50))
  redis-server --bind 127.0.0.1 --port "$redis_port" --appendonly yes --appendfsync always --save '' \
    --dir "$dir" --daemonize no --protected-mode no > "$dir/redis.log" 2>&1 &
  started+=($!); redis_pids+=($!)
  wait_for 30 "redis-server" redis-cli -p "$redis_port" ping
  log "redis: $(redis-server --version | awk '{print $1, $2, $3}'), port $redis_port"
}

# ---------------------------------------------------------------- profile summary
summarize_profile() { # hot methods (top frame), samples per thread, and samples by innermost Caucus method
  local jfr="$1" samples="$work/samples.txt"
  "$jdk/bin/jfr" view --width 160 hot-methods "$jfr"
  "$jdk/bin/jfr" print --events jdk.ExecutionSample --stack-depth 64 "$jfr" > "$samples"
  echo; echo "Samples per thread:"
  grep sampledThread "$samples" | sed 's/.*= "\(.*\)".*/\1/' | sort | uniq -c | sort -rn | head -n 12
  echo; echo "Samples by innermost io.caucus method on the stack ((none): no Caucus frame, e.g. Netty's event loop):"
  awk '/jdk.ExecutionSample/ { if (seen) print m; m = "(none)"; seen = 1; found = 0 }
       /line:/ && !found && /io\.caucus/ { m = $1; sub(/\(.*/, "", m); found = 1 }
       END { if (seen) print m }' "$samples" | sort | uniq -c | sort -rn | head -n 25
}

# ---------------------------------------------------------------- the run
for system in $SYSTEMS; do
  case "$system" in
    caucus | caucus-tls | etcd | sofajraft | ratis | ratis-netty | redis) ;;
    *) die "SYSTEMS: unknown system '$system' (expected caucus, caucus-tls, etcd, sofajraft, ratis, ratis-netty and/or redis)" ;;
  esac
done
"$root/scripts/ensure-packages.sh" etcd-server etcd-client redis-server redis-tools golang-go golang-etcd-server-dev
build
jdk="$(find_jdk bench)"
check_perf
for port in $(seq $((BASE_PORT + 11)) $((BASE_PORT + 56))); do
  port_free "$port" || die "port $port on 127.0.0.1 is in use (set BASE_PORT to move the benchmark's ports)"
done
rm -rf "$work" "$results_tsv" "$threads_tsv" "$fsyncs_tsv" "$target"/caucus*-leader.jfr "$target/host-load.md"
mkdir -p "$work"
log "host: $(nproc) cores, $(uname -r); data under $work; clock ticks/s $CLK_TCK"
[[ -z "$perf_why_not" ]] || log "writes per fsync: n/a ($perf_why_not)"

bench_caucus() {
  start_caucus
  (( PROFILE )) && profile_leader "${caucus_pids[$((caucus_leader - 1))]}" caucus
  loadgen caucus "127.0.0.1:$((BASE_PORT + 20 + caucus_leader))" "${caucus_pids[@]}"
  redis_benchmark caucus $((BASE_PORT + 20 + caucus_leader)) "${caucus_pids[@]}"
}
bench_caucus-tls() {
  start_caucus tls
  (( PROFILE )) && profile_leader "${caucus_pids[$((caucus_leader - 1))]}" caucus-tls
  loadgen caucus-tls "127.0.0.1:$((BASE_PORT + 20 + caucus_leader))" "${caucus_pids[@]}"
  redis_benchmark caucus-tls $((BASE_PORT + 20 + caucus_leader)) "${caucus_pids[@]}"
}
bench_etcd() {
  start_etcd
  loadgen_args etcd "$etcd_leader" "${etcd_pids[@]}"
  "$etcd_load" "${loadgen_argv[@]}"
}
bench_sofajraft() {
  start_peer sofajraft 50
  peer_loadgen "$root/bench/peers/sofajraft/target/sofajraft-bench.jar" sofajraft "${peer_endpoints[*]}" "${peer_pids[@]}"
}
bench_ratis() {
  start_peer ratis 53
  peer_loadgen "$root/bench/peers/ratis/target/ratis-bench.jar" ratis "${peer_endpoints[*]}" "${peer_pids[@]}"
}
bench_ratis-netty() { # Ratis on its Netty transport, servers and clients (RatisBench reads RATIS_RPC)
  export RATIS_RPC=netty
  start_peer ratis 53 ratis-netty
  peer_loadgen "$root/bench/peers/ratis/target/ratis-bench.jar" ratis-netty "${peer_endpoints[*]}" "${peer_pids[@]}"
  unset RATIS_RPC
}
bench_redis() {
  start_redis
  loadgen redis "127.0.0.1:$redis_port" "${redis_pids[@]}"
  redis_benchmark redis "$redis_port" "${redis_pids[@]}"
}
# One system at a time, so the systems never compete for the two cores.
for system in $SYSTEMS; do
  load_note "$system"
  "bench_$system"
  stop_all
done

echo
"$jdk/bin/java" -jar "$target/cluster-bench.jar" report --results "$results_tsv" --threads "$threads_tsv" \
  --fsyncs "$fsyncs_tsv" --out "$target/results.md"
{
  echo
  echo "Host: $(nproc) cores, shared; $(date -u +%Y-%m-%d) UTC. Load when each system started:"
  cat "$target/host-load.md"
  [[ -z "$perf_why_not" ]] || echo "Writes per fsync: n/a, $perf_why_not."
} | tee -a "$target/results.md"
log "table written to $target/results.md"
for system in caucus caucus-tls; do
  if [[ -f "$target/$system-leader.jfr" ]]; then
    summarize_profile "$target/$system-leader.jfr" > "$target/$system-leader-profile.txt" 2>&1 || true
    log "JFR of the $system leader: $target/$system-leader.jfr; summary in $target/$system-leader-profile.txt"
  fi
done
