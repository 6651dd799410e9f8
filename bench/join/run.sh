#!/usr/bin/env bash
# bench/join/run.sh: how long a new node takes to join a running 3-node Caucus cluster that holds a large
# key-value state, end to end through the operator path (issue 5's closing note). A command, not a test.
#
#  1. starts n1..n3 as real `caucus server` processes (the ./caucus launcher, fsync on, CAUCUS_JAVA_OPTS=-Xmx$HEAP);
#  2. loads KEYS keys x VALUE_BYTES-byte values with MSET batches of BATCH keys, CONNECTIONS loaders in
#     parallel, each sending WINDOW commands per redis-cli --pipe connection to the leader; checks DBSIZE;
#  3. POST /snapshot on every node, so the log is compacted and a new node can only catch up by InstallSnapshot;
#  4. starts n4 with `caucus server --join`, adds it as a learner (POST /members on the leader) and measures
#     until the learner's match index (leader's view) and its applied index reach the leader's commit index,
#     with the phases seen in n4's log (snapshot transfer started, received and verified), then
#     promotes it (POST /members/n4/promote, joint consensus) and times that;
#  5. prints a table (also written to bench/join/target/results.md) with the snapshot size on disk and the
#     nodes' resident memory. Everything started here is stopped on exit.
#
# Tunables (environment): KEYS=10000000 VALUE_BYTES=100 BATCH=200 CONNECTIONS=4 WINDOW=25 HEAP=4g BASE_PORT=16500
#   AUTO_SNAPSHOTS=0 (1: keep the default snapshot thresholds during the load, which re-snapshots the growing
#   state every 64 MiB of log on every node; 0 sets both thresholds to 0, so only the explicit snapshot is taken)
# Needs redis-cli (Debian redis-tools, installed by scripts/ensure-packages.sh if missing) and python3
# (generates the load).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="$here/target"
work="$target/run"

KEYS="${KEYS:-10000000}"
VALUE_BYTES="${VALUE_BYTES:-100}"
BATCH="${BATCH:-200}"
CONNECTIONS="${CONNECTIONS:-4}"
WINDOW="${WINDOW:-25}"
HEAP="${HEAP:-4g}"
BASE_PORT="${BASE_PORT:-16500}"
AUTO_SNAPSHOTS="${AUTO_SNAPSHOTS:-0}"

log() { echo "join-bench: $(date +%H:%M:%S) $*" >&2; }
die() { echo "join-bench: error: $*" >&2; exit 1; }
[[ "$KEYS" =~ ^[1-9][0-9]*$ ]] || die "KEYS must be a positive integer, got '$KEYS'"
[[ "$BATCH" =~ ^[1-9][0-9]*$ ]] || die "BATCH must be a positive integer, got '$BATCH'"
[[ "$WINDOW" =~ ^[1-9][0-9]*$ ]] || die "WINDOW must be a positive integer, got '$WINDOW'"
[[ "$CONNECTIONS" =~ ^[1-9][0-9]*$ ]] || die "CONNECTIONS must be a positive integer, got '$CONNECTIONS'"
[[ "$VALUE_BYTES" =~ ^[1-9][0-9]*$ ]] || die "VALUE_BYTES must be a positive integer, got '$VALUE_BYTES'"

raft_port() { echo $((BASE_PORT + 10 + $1)); }
client_port() { echo $((BASE_PORT + 20 + $1)); }
http_port() { echo $((BASE_PORT + 30 + $1)); }
admin() { echo "http://127.0.0.1:$(http_port "$1")"; }

# ---------------------------------------------------------------- processes we start, stopped on exit
declare -A node_pid=()
cleanup() {
  local pid
  for pid in "${node_pid[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${node_pid[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  node_pid=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
json() { # json FIELD-EXPRESSION: reads JSON on stdin, prints python expression over it as d
  python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"
}
post() { # post URL OUT [JSON]: POST, body to OUT; fails unless the answer is 2xx
  local code
  code="$(curl -s -o "$2" -w '%{http_code}' -X POST -H 'Content-Type: application/json' ${3:+-d "$3"} "$1")" || true
  [[ "$code" == 2* ]]
}
now_ms() { date +%s%3N; }
rss_mib() { awk '/VmRSS/ {printf "%d", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo "-"; }

start_node() { # start_node I [--join]
  local i="$1"; shift
  CAUCUS_JAVA_OPTS="-Xmx$HEAP -Dio.netty.leakDetection.level=disabled" \
    "$root/caucus" server --config "$work/cluster.yaml" --id "n$i" "$@" > "$work/n$i.log" 2>&1 &
  node_pid[$i]=$!
}

find_leader() { # prints the leader's number once one of n1..n3 reports itself leader
  local deadline=$((SECONDS + 120)) i
  while (( SECONDS < deadline )); do
    for i in 1 2 3; do
      curl -sf "$(admin "$i")/status" 2>/dev/null | grep -q '"role" *: *"leader"' && { echo "$i"; return; }
    done
    sleep 0.3
  done
  die "no leader among n1..n3 within 120 s; logs in $work"
}

# Loads keys [first, last) through one redis-cli --pipe per WINDOW MSET commands (key "k" + 10 digits, value
# VALUE_BYTES bytes that differ per key), so at most WINDOW proposals of this loader are outstanding: an
# unbounded pipeline meets the server's back-pressure (OVERLOADED). A window with errors is sent again (MSET of
# the same values is idempotent); the counts of windows and retries go to stdout.
load_range() {
  python3 - "$1" "$2" "$BATCH" "$VALUE_BYTES" "$3" "$WINDOW" <<'PY'
import subprocess, sys
first, last, batch, size, port, window = (int(a) for a in sys.argv[1:7])
pad = b"v" * size

def mset(start, end):
    parts = [b"*%d\r\n$4\r\nMSET\r\n" % (1 + 2 * (end - start))]
    for i in range(start, end):
        key = b"k%010d" % i
        value = (b"%d:" % i + pad)[:size]
        parts.append(b"$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(key), key, len(value), value))
    return b"".join(parts)

windows = retries = 0
step = batch * window
for start in range(first, last, step):
    data = b"".join(mset(s, min(s + batch, last)) for s in range(start, min(start + step, last), batch))
    for attempt in range(20):
        out = subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input=data, capture_output=True).stdout
        if b"errors: 0," in out:
            break
        retries += 1
    else:
        sys.exit("keys %d..%d: still failing after 20 attempts: %s" % (start, start + step, out[-300:]))
    windows += 1
print("windows %d, retried %d" % (windows, retries))
PY
}

load() { # load LEADER: CONNECTIONS loaders in parallel, each a contiguous share of the keys
  local leader="$1" c first last pids=() failed=0
  for ((c = 0; c < CONNECTIONS; c++)); do
    first=$((KEYS * c / CONNECTIONS)); last=$((KEYS * (c + 1) / CONNECTIONS))
    load_range "$first" "$last" "$(client_port "$leader")" > "$work/load-$c.txt" 2>&1 &
    pids+=($!)
  done
  for c in "${!pids[@]}"; do wait "${pids[$c]}" || { failed=1; log "loader $c: $(tail -n 2 "$work/load-$c.txt")"; }; done
  (( failed == 0 )) || die "the load failed (see $work/load-*.txt)"
  log "loaders: $(cat "$work"/load-*.txt | tr '\n' ';')"
}

snapshot_bytes() { # the newest snapshot file of node I, in bytes
  find "$work/data/n$1" -type f -iname '*snap*' -printf '%T@ %s\n' 2>/dev/null | sort -n | tail -n 1 | cut -d' ' -f2
}

# ---------------------------------------------------------------- the run
"$root/scripts/ensure-packages.sh" redis-tools # redis-cli
for port in $(seq $((BASE_PORT + 11)) $((BASE_PORT + 34))); do
  port_free "$port" || die "port $port on 127.0.0.1 is in use (set BASE_PORT to move the benchmark's ports)"
done
rm -rf "$work"; mkdir -p "$work"
"$root/caucus" --help > "$work/build.log" 2>&1 || true # builds the launcher's jars first, once, if needed
node_entry() {
  echo "  - id: n$1"
  echo "    raft: 127.0.0.1:$(raft_port "$1")"
  echo "    client: 127.0.0.1:$(client_port "$1")"
  echo "    http: 127.0.0.1:$(http_port "$1")"
}
# The initial voters are the nodes the file lists when the cluster first starts: n4 is appended later (the
# node list comes last for that), and every server re-reads the file to learn its addresses.
{
  echo "fsync: true"
  echo "dataDirectory: $work/data"
  echo "requestTimeoutMillis: 60000"
  (( AUTO_SNAPSHOTS )) || printf 'snapshotThresholdEntries: 0\nsnapshotThresholdBytes: 0\n'
  echo "nodes:"
  for i in 1 2 3; do node_entry "$i"; done
} > "$work/cluster.yaml"
log "host: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(free -g | awk '/Mem:/ {print $7}') GiB available"
log "keys $KEYS x $VALUE_BYTES B, MSET batches of $BATCH over $CONNECTIONS connections, heap $HEAP per node"

for i in 1 2 3; do start_node "$i"; done
leader="$(find_leader)"
log "leader n$leader"

t="$(now_ms)"; load "$leader"; load_ms=$(( $(now_ms) - t ))
dbsize="$(redis-cli -p "$(client_port "$leader")" DBSIZE)"
(( dbsize == KEYS )) || die "DBSIZE is $dbsize after loading $KEYS keys"
log "loaded $KEYS keys in $load_ms ms ($((KEYS * 1000 / (load_ms + 1))) keys/s); load average $(cut -d' ' -f1-3 /proc/loadavg)"

# All three at once (each node snapshots only itself); each one's time is from the common start.
declare -A snap_ms=()
t="$(now_ms)"; snapshot_jobs=()
for i in 1 2 3; do
  ( post "$(admin "$i")/snapshot" "$work/snapshot-n$i.json" && echo $(( $(now_ms) - t )) > "$work/snapshot-n$i.ms" ) &
  snapshot_jobs+=($!)
done
for job in "${snapshot_jobs[@]}"; do wait "$job" || true; done
for i in 1 2 3; do
  [[ -f "$work/snapshot-n$i.ms" ]] || die "POST /snapshot on n$i: $(cat "$work/snapshot-n$i.json")"
  snap_ms[$i]="$(cat "$work/snapshot-n$i.ms")"
  log "n$i: snapshot $(tr -d '\n' < "$work/snapshot-n$i.json") in ${snap_ms[$i]} ms"
done
snap_bytes="$(snapshot_bytes "$leader")"
commit="$(curl -sf "$(admin "$leader")/status" | json 'd["commit"]')"
declare -A rss_before=()
for i in 1 2 3; do rss_before[$i]="$(rss_mib "${node_pid[$i]}")"; done

log "starting n4 with --join and adding it as a learner (leader commit index $commit)"
node_entry 4 >> "$work/cluster.yaml"
t="$(now_ms)"
start_node 4 --join
deadline=$((SECONDS + 120))
until curl -sf "$(admin 4)/status" > /dev/null 2>&1; do
  (( SECONDS < deadline )) || die "n4's admin port did not answer within 120 s; see $work/n4.log"
  sleep 0.2
done
n4_start_ms=$(( $(now_ms) - t ))
t0="$(now_ms)"
# The add waits only for the configuration entry to commit, not for the learner to catch up.
post "$(admin "$leader")/members" "$work/add.json" '{"id":"n4"}' || die "POST /members: $(cat "$work/add.json")"
add_ms=$(( $(now_ms) - t0 ))
receiving_ms="-"; received_ms="-"; caught_ms=""; max_rss4=0
deadline=$((SECONDS + 3600))
while [[ -z "$caught_ms" ]]; do
  (( SECONDS < deadline )) || die "n4 did not catch up within an hour; logs in $work"
  elapsed=$(( $(now_ms) - t0 ))
  [[ "$receiving_ms" == - ]] && grep -q 'receiving snapshot' "$work/n4.log" && receiving_ms=$elapsed
  [[ "$received_ms" == - ]] && grep -q 'received snapshot' "$work/n4.log" && received_ms=$elapsed
  r="$(rss_mib "${node_pid[4]}")"; [[ "$r" =~ ^[0-9]+$ ]] && (( r > max_rss4 )) && max_rss4=$r
  kill -0 "${node_pid[4]}" 2>/dev/null || die "n4 exited; see $work/n4.log"
  leader_status="$(curl -sf "$(admin "$leader")/status" || true)"
  n4_status="$(curl -sf "$(admin 4)/status" || true)"
  if [[ -n "$leader_status" && -n "$n4_status" ]]; then
    read -r lcommit match4 < <(echo "$leader_status" | json '"%d %d" % (d["commit"], d["followers"].get("n4", {}).get("match", -1))')
    applied4="$(echo "$n4_status" | json 'd["applied"]')"
    if (( match4 >= lcommit && applied4 >= lcommit )); then caught_ms=$elapsed; fi
  fi
  sleep 0.2
done
log "n4 caught up in $caught_ms ms (match and applied >= commit $lcommit)"
t="$(now_ms)"
post "$(admin "$leader")/members/n4/promote" "$work/promote.json" \
  || die "POST /members/n4/promote: $(cat "$work/promote.json")"
promote_ms=$(( $(now_ms) - t ))
n4_keys="$(redis-cli -p "$(client_port 4)" DBSIZE)"
(( n4_keys == KEYS )) || die "n4 reports DBSIZE $n4_keys, expected $KEYS"
sent_line="$(grep -h 'sent snapshot' "$work"/n[123].log | tail -n 1 || true)"
received_line="$(grep -h 'received snapshot' "$work/n4.log" | tail -n 1 || true)"

ms_s() { [[ "$1" == - ]] && echo - || awk -v m="$1" 'BEGIN {printf "%.1f s", m / 1000}'; }
{
  echo "| join benchmark: $KEYS keys x $VALUE_BYTES B, 3 nodes + 1 joining, fsync on, -Xmx$HEAP | |"
  echo "| --- | --- |"
  echo "| load (MSET x $BATCH, $CONNECTIONS connections) | $(ms_s "$load_ms"), $((KEYS * 1000 / (load_ms + 1))) keys/s |"
  echo "| snapshot file on disk (leader n$leader) | $snap_bytes bytes ($(awk -v b="$snap_bytes" 'BEGIN {printf "%.2f GiB", b / 2^30}')) |"
  echo "| POST /snapshot n1 / n2 / n3 | $(ms_s "${snap_ms[1]}") / $(ms_s "${snap_ms[2]}") / $(ms_s "${snap_ms[3]}") |"
  echo "| RSS n1 / n2 / n3 after the snapshots | ${rss_before[1]} / ${rss_before[2]} / ${rss_before[3]} MiB |"
  echo "| n4 process start until its admin port answers (before the add) | $(ms_s "$n4_start_ms") |"
  echo "| add learner (POST /members, commit of the configuration) | $(ms_s "$add_ms") |"
  echo "| n4 log: snapshot transfer started (times from the add request) | $(ms_s "$receiving_ms") |"
  echo "| n4 log: snapshot received and verified | $(ms_s "$received_ms") |"
  echo "| **learner caught up** (match and applied >= commit $lcommit; includes the restore) | **$(ms_s "$caught_ms")** |"
  echo "| promote to voter (POST /members/n4/promote, joint consensus) | $(ms_s "$promote_ms") |"
  echo "| **join, end to end** (add + catch up + promote) | **$(ms_s $((caught_ms + promote_ms)))** |"
  echo "| peak RSS of n4 while joining / leader after | $max_rss4 / $(rss_mib "${node_pid[$leader]}") MiB |"
  echo
  echo "Leader's log: ${sent_line:-(no 'sent snapshot' line)}"
  echo "n4's log: ${received_line:-(no 'received snapshot' line)}"
  echo "Host: $(nproc) cores, load average at the end $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%Y-%m-%d %H:%M') UTC"
} | tee "$target/results.md"
