#!/usr/bin/env bash
# bench/moves/run.sh: how long a slot move takes (issue 23, benchmark (c)). Starts 3 `caucus server` processes
# (loopback, real data directories, fsync on) with `shards: 2` (group 2 serves slots 0-8191, group 3 the rest, each
# on all three nodes), loads SIZE_MB of data into one slot of group 2 (keys {tag}:N, VALUE_BYTES each, through
# redis-cli --pipe to the group's leader), then moves that slot to group 3 with `caucus slots move` and reports the
# time from the request to the move's end (the map no longer listing it), the rate, and where the keys are after:
# each group's key count from every node's GET /digests. Optionally (LOAD_CLIENTS > 0) redis-benchmark writes to
# other slots during the move, to show the move does not stop the rest of the cluster.
#
# Tunables (environment): SIZE_MB=1024 VALUE_BYTES=1000 BASE_PORT=16500 (ports BASE_PORT+11..+33)
#   LOAD_CLIENTS=0 JAVA_OPTS="-Xmx6g" (per server process)
# Missing Debian packages (redis-tools) are installed by scripts/ensure-packages.sh. Everything started here is
# stopped on exit. The result goes to bench/moves/target/result.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="$here/target"
work="$target/run"

SIZE_MB="${SIZE_MB:-1024}"
VALUE_BYTES="${VALUE_BYTES:-1000}"
BASE_PORT="${BASE_PORT:-16500}"
LOAD_CLIENTS="${LOAD_CLIENTS:-0}"
JAVA_OPTS="${JAVA_OPTS:--Xmx6g}"

log() { echo "moves-bench: $(date +%H:%M:%S) $*" >&2; }
die() { echo "moves-bench: error: $*" >&2; exit 1; }

started=()
cleanup() {
  local pid
  for pid in "${started[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${started[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

source "$root/scripts/find-jdk.sh" # find_jdk
"$root/scripts/ensure-packages.sh" redis-tools
jdk="$(find_jdk)"

newer_sources() { # prints a source file newer than $1, if any
  find "$root" \( -path "$root/.git" -o -name target \) -prune -o \( -name '*.java' -o -name pom.xml \) \
    -newer "$1" -print -quit
}
kv_jar="$(ls "$root"/caucus-kv/target/caucus-kv-*.jar 2>/dev/null | grep -v -- '-sources\|-tests' | head -n 1 || true)"
if [[ -z "$kv_jar" || -n "$(newer_sources "$kv_jar")" || ! -d "$root/caucus-kv/target/lib" ]]; then
  log "building: ./mvnw -q -B -DskipTests package -pl caucus-kv -am"
  (cd "$root" && ./mvnw -q -B -DskipTests package -pl caucus-kv -am)
  kv_jar="$(ls "$root"/caucus-kv/target/caucus-kv-*.jar | grep -v -- '-sources\|-tests' | head -n 1)"
fi
caucus() { "$jdk/bin/java" -cp "$kv_jar:$root/caucus-kv/target/lib/*" io.caucus.kv.cli.Main "$@"; }

client_port() { echo $((BASE_PORT + 20 + $1)); }
http_port() { echo $((BASE_PORT + 30 + $1)); }

rm -rf "$work"
mkdir -p "$work"
{
  echo "nodes:"
  for i in 1 2 3; do
    echo "  - {id: n$i, raft: 127.0.0.1:$((BASE_PORT + 10 + i)), client: 127.0.0.1:$(client_port $i), http: 127.0.0.1:$(http_port $i)}"
  done
  echo "fsync: true"
  echo "shards: 2"
  echo "dataDirectory: $work/data"
} > "$work/cluster.yaml"
for i in 1 2 3; do
  # shellcheck disable=SC2086
  "$jdk/bin/java" $JAVA_OPTS -cp "$kv_jar:$root/caucus-kv/target/lib/*" io.caucus.kv.cli.Main server \
    --config "$work/cluster.yaml" --id "n$i" > "$work/n$i.log" 2>&1 &
  started+=($!)
done

# The client port of the node leading a slot's group, as CLUSTER NODES gives it (a leader lists its groups' slots).
leader_port_of() {
  redis-cli -p "$(client_port 1)" CLUSTER NODES 2>/dev/null | awk -v slot="$1" '{
    for (f = 9; f <= NF; f++) { n = split($f, r, "-"); lo = r[1] + 0; hi = (n > 1 ? r[2] : r[1]) + 0
      if (lo <= slot && slot <= hi) { split($2, a, "[:@]"); print a[2]; exit } } }'
}
ready() {
  local i
  for i in 1 2 3; do
    redis-cli -p "$(client_port $i)" CLUSTER INFO 2>/dev/null | grep -q 'cluster_state:ok' || return 1
  done
  # each group at its preferred replica (LeaderBalancer): group 2 at n1, group 3 at n2
  [[ "$(leader_port_of 0)" == "$(client_port 1)" && "$(leader_port_of 16383)" == "$(client_port 2)" ]]
}
deadline=$((SECONDS + 120))
until ready; do
  (( SECONDS < deadline )) || die "the cluster did not come up with its leaders spread in 120 s (logs in $work)"
  sleep 0.5
done

# A hashtag whose slot group 2 serves (0-8191).
tag=""
for candidate in m a b c d e f g h; do
  slot="$(redis-cli -p "$(client_port 1)" CLUSTER KEYSLOT "{$candidate}")"
  if (( slot <= 8191 )); then tag="$candidate"; break; fi
done
[[ -n "$tag" ]] || die "no hashtag of group 2 found"
keys=$(( SIZE_MB * 1024 * 1024 / VALUE_BYTES ))
log "loading $keys keys of $VALUE_BYTES bytes ({$tag}:N, slot $slot, $SIZE_MB MB) into group 2 through n1"
load_start=$(date +%s.%N)
chunk=2000
for ((first = 0; first < keys; first += chunk)); do
  last=$(( first + chunk < keys ? first + chunk : keys ))
  for attempt in 1 2 3 4 5; do
    # SETs are idempotent: a chunk with errors (a leader change under load: outcome unknown) is sent again
    python3 -c '
import sys
first, last, size, tag = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
out = sys.stdout.buffer
value = b"v" * size
for i in range(first, last):
    key = ("{%s}:%d" % (tag, i)).encode()
    out.write(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(key), key, size, value))
' "$first" "$last" "$VALUE_BYTES" "$tag" | redis-cli -p "$(leader_port_of "$slot")" --pipe > "$work/load.txt" 2>&1 || true
    grep -q "errors: 0," "$work/load.txt" && break
    (( attempt < 5 )) || die "keys $first-$last failed 5 times: $(tail -n 2 "$work/load.txt")"
  done
done
load_end=$(date +%s.%N)
log "loaded in $(echo "$load_end - $load_start" | bc) s"

digests() { # digests NODE: "group keys" lines from GET /digests
  curl -sf "http://127.0.0.1:$(http_port "$1")/digests" | python3 -c '
import json, sys
for group, digest in sorted(json.load(sys.stdin).items()):
    print(group, digest["keys"])'
}
log "before the move: $(digests 1 | tr '\n' ' ')"

load_pid=""
if (( LOAD_CLIENTS > 0 )); then
  redis-benchmark -p "$(client_port 2)" -t set -c "$LOAD_CLIENTS" -n 100000000 -r 100000 -d 100 -q --cluster \
    > "$work/benchmark.txt" 2>&1 &
  load_pid=$!
  started+=("$load_pid")
fi

log "moving slot $slot to group 3"
move_start=$(date +%s.%N)
caucus slots move --slots "$slot" --to 3 --http "127.0.0.1:$(http_port 1)" --wait-seconds 3600 > "$work/move.txt"
move_end=$(date +%s.%N)
[[ -n "$load_pid" ]] && kill "$load_pid" 2>/dev/null || true
seconds="$(echo "$move_end - $move_start" | bc)"
log "moved in $seconds s"

# Every node agrees: group 3 holds the keys, group 2 none of them.
deadline=$((SECONDS + 120))
until [[ "$(digests 1)" == "$(digests 2)" && "$(digests 2)" == "$(digests 3)" ]]; do
  (( SECONDS < deadline )) || break
  sleep 0.5
done
after="$(digests 1 | tr '\n' ' ')"
log "after the move: $after"
rss_kb=0
for pid in "${started[@]:0:3}"; do
  rss_kb=$(( rss_kb + $(awk '/VmHWM/ {print $2}' "/proc/$pid/status") ))
done
mkdir -p "$target"
{
  echo "| data | keys | value bytes | move time s | MB/s | keys/s | groups' keys after (group keys) | peak RSS of the 3 processes MB | load (1 min) at the end |"
  echo "|---:|---:|---:|---:|---:|---:|---|---:|---:|"
  printf '| %s MB | %s | %s | %.1f | %.1f | %.0f | %s | %d | %s |\n' "$SIZE_MB" "$keys" "$VALUE_BYTES" "$seconds" \
    "$(echo "$SIZE_MB / $seconds" | bc -l)" "$(echo "$keys / $seconds" | bc -l)" "$after" $(( rss_kb / 1024 )) \
    "$(cut -d' ' -f1 /proc/loadavg)"
} | tee "$target/result.md"
grep -h "moved slots" "$work"/n*.log | head -n 3 >&2 || true
