#!/usr/bin/env bash
# bench/coldstart/run.sh [LABEL]: how fast a freshly started 3-node Caucus cluster takes writes in its first
# minute, against its own warmed rate.
#
# It starts three `./caucus server` processes (the launcher, so whatever the launcher does on start counts) on
# 127.0.0.1 with fsync on and empty data directories, waits for a leader (/status), then runs redis-benchmark
# against the leader's client port in consecutive slices of SLICE requests (SETs, 50 clients, 100-byte values,
# random keys over 100k, -P 1) up to TOTAL requests, and prints each slice's rate and the seconds since the
# nodes were started. From the slices it reports:
#   first    the rate of the first FIRST requests (requests / their wall time)
#   warmed   the mean rate of the last WARM_SLICES slices
#   ratio    first / warmed
#   t90      seconds from process start to the end of the first slice at or above 90% of the warmed rate
# One line per run is appended to bench/coldstart/target/results.tsv (LABEL first).
#
# Tunables (environment): SLICE=50000 TOTAL=600000 FIRST=200000 WARM_SLICES=3 CLIENTS=50 BASE_PORT=17100
#   (ports BASE_PORT+11..+33 on 127.0.0.1) JFR=1 (a flight recording of every node's first JFR_SECONDS=30 s, in
#   target/<run>/n<i>.jfr; it changes the timings, so not for the figures) CAUCUS_AOT (passed to ./caucus:
#   off runs without the AOT cache).
# Needs redis-benchmark (Debian's redis-tools, installed by scripts/ensure-packages.sh when missing).
# Everything started here is stopped on exit.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
label="${1:-run}"
SLICE="${SLICE:-50000}"
TOTAL="${TOTAL:-600000}"
FIRST="${FIRST:-200000}"
WARM_SLICES="${WARM_SLICES:-3}"
CLIENTS="${CLIENTS:-50}"
BASE_PORT="${BASE_PORT:-17100}"
JFR="${JFR:-0}"
JFR_SECONDS="${JFR_SECONDS:-30}"
(( FIRST % SLICE == 0 && TOTAL % SLICE == 0 && FIRST <= TOTAL )) \
  || { echo "coldstart: FIRST and TOTAL must be multiples of SLICE, FIRST <= TOTAL" >&2; exit 2; }

log() { echo "coldstart: $(date +%H:%M:%S) $*" >&2; }
die() { echo "coldstart: error: $*" >&2; exit 1; }
now() { date +%s.%N; }

"$root/scripts/ensure-packages.sh" redis-tools

# The build and the AOT training (whatever the launcher does once per build) happen before the measured time.
"$root/caucus" prepare

target="$here/target"
run="$target/$(date +%Y%m%d-%H%M%S)-$label"
mkdir -p "$run"
{
  echo "nodes:"
  for i in 1 2 3; do
    echo "  - id: n$i"
    echo "    raft: 127.0.0.1:$((BASE_PORT + 10 + i))"
    echo "    client: 127.0.0.1:$((BASE_PORT + 20 + i))"
    echo "    http: 127.0.0.1:$((BASE_PORT + 30 + i))"
  done
  echo "fsync: true"
  echo "dataDirectory: $run/data"
} > "$run/cluster.yaml"

pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

load="$(cut -d' ' -f1-3 /proc/loadavg)"
started="$(now)"
for i in 1 2 3; do
  opts="${CAUCUS_JAVA_OPTS:-}"
  if [[ "$JFR" == 1 ]]; then
    opts+=" -XX:StartFlightRecording=duration=${JFR_SECONDS}s,filename=$run/n$i.jfr,settings=profile"
  fi
  CAUCUS_JAVA_OPTS="$opts" "$root/caucus" server --config "$run/cluster.yaml" --id "n$i" > "$run/n$i.log" 2>&1 &
  pids+=($!)
done

leader=""
deadline=$((SECONDS + 90))
while [[ -z "$leader" ]]; do
  (( SECONDS < deadline )) || die "no leader within 90 s; logs in $run"
  for i in 1 2 3; do
    if curl -sf "http://127.0.0.1:$((BASE_PORT + 30 + i))/status" 2>/dev/null | grep -q '"role" *: *"leader"'; then
      leader=$i
      break
    fi
  done
  [[ -n "$leader" ]] || sleep 0.1
done
t_leader="$(printf "%.1f" "$(echo "$(now) - $started" | bc)")"
log "$label: leader n$leader after ${t_leader} s (load average $load at start); slices of $SLICE SETs to $TOTAL"

# The leader's CPU time so far by thread kind (ticks of utime + stime from /proc/<pid>/task/*/stat): the JIT
# compiler threads, the garbage collector's, and everything else (the node's own work).
leader_pid=""
leader_cpu() {
  [[ -n "$leader_pid" ]] || leader_pid="$(pgrep -P "${pids[$((leader - 1))]}" java || echo "${pids[$((leader - 1))]}")"
  local task comm ticks c1=0 c2=0 gc=0 other=0
  for task in /proc/"$leader_pid"/task/*; do
    comm="$(cat "$task/comm" 2>/dev/null)" || continue
    ticks="$(awk '{sub(/^.*\) /, ""); print $12 + $13}' "$task/stat" 2>/dev/null)" || continue
    case "$comm" in
      C1\ Compiler*) c1=$((c1 + ticks)) ;;
      C2\ Compiler*) c2=$((c2 + ticks)) ;;
      GC\ Thread*|G1\ *|VM\ Thread) gc=$((gc + ticks)) ;;
      *) other=$((other + ticks)) ;;
    esac
  done
  awk -v c1="$c1" -v c2="$c2" -v g="$gc" -v o="$other" -v hz="$(getconf CLK_TCK)" 'BEGIN {
    t = c1 + c2 + g + o
    printf "%.1f s CPU: JIT %.1f s (%.0f%%; C2 %.1f s, C1 %.1f s), GC+VM %.1f s, the rest %.1f s",
      t/hz, (c1+c2)/hz, 100*(c1+c2)/t, c2/hz, c1/hz, g/hz, o/hz }'
}

port=$((BASE_PORT + 20 + leader))
slices="$run/slices.tsv"
: > "$slices"
done_requests=0
while (( done_requests < TOTAL )); do
  t0="$(now)"
  redis-benchmark -h 127.0.0.1 -p "$port" -c "$CLIENTS" -n "$SLICE" -d 100 -r 100000 -P 1 -t set -q \
    > "$run/rb.out" 2>&1 || die "redis-benchmark failed: $(tail -n 3 "$run/rb.out")"
  t1="$(now)"
  done_requests=$((done_requests + SLICE))
  # redis-benchmark's own rate (its requests over its time) and the slice's wall time, start to end.
  rate="$(tr '\r' '\n' < "$run/rb.out" | awk '/^SET: [0-9.]+ requests per second/ {print $2}' | tail -n 1)"
  [[ -n "$rate" ]] || die "no rate in redis-benchmark's output: $(tail -c 300 "$run/rb.out")"
  p50="$(tr '\r' '\n' < "$run/rb.out" | grep -o 'p50=[0-9.]* msec' | tail -n 1 || true)"
  printf '%d\t%.3f\t%.3f\t%s\t%s\n' "$done_requests" "$(echo "$t0 - $started" | bc)" "$(echo "$t1 - $started" | bc)" \
    "$rate" "${p50#p50=}" >> "$slices"
  printf 'coldstart: %7d SETs  %6.1f-%6.1f s after start  %9.0f/s  p50 %s\n' "$done_requests" \
    "$(echo "$t0 - $started" | bc)" "$(echo "$t1 - $started" | bc)" "$rate" "${p50#p50=}" >&2
  if (( done_requests == FIRST )); then
    cpu_first="$(leader_cpu)"
    log "leader after the first $FIRST: $cpu_first"
  fi
done
cpu_end="$(leader_cpu)"
log "leader at the end: $cpu_end"

# first: FIRST requests over the sum of their slices' times (requests / time, not a mean of rates).
summary="$(awk -F'\t' -v first="$FIRST" -v slice="$SLICE" -v warm="$WARM_SLICES" '
  { n[NR] = $1; rate[NR] = $4; t_end[NR] = $3 }
  END {
    k = first / slice; secs = 0
    for (i = 1; i <= k; i++) secs += slice / rate[i]
    first_rate = first / secs
    s = 0; for (i = NR - warm + 1; i <= NR; i++) s += rate[i]; warmed = s / warm
    t90 = "never"
    for (i = 1; i <= NR; i++) if (rate[i] >= 0.9 * warmed) { t90 = sprintf("%.1f", t_end[i]); break }
    printf "%.0f\t%.0f\t%.2f\t%s\n", first_rate, warmed, first_rate / warmed, t90
  }' "$slices")"
IFS=$'\t' read -r first_rate warmed ratio t90 <<< "$summary"
# A JVM message on a node's output (e.g. an unusable AOT cache) is a finding, shown with the figures.
jvm_said="$(grep -h -m 1 -E '^\[[0-9.]+s\]\[(error|warning)' "$run"/n*.log 2>/dev/null | head -n 1 || true)"
echo "coldstart: $label: first ${FIRST} at ${first_rate}/s, warmed ${warmed}/s (last $WARM_SLICES slices), ratio $ratio, 90% of warmed at ${t90} s after start; leader after ${t_leader} s; load $load${jvm_said:+; JVM output: $jvm_said}"
echo "coldstart: $label: leader's CPU over the first ${FIRST}: $cpu_first; at the end: $cpu_end"
mkdir -p "$target"
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$(date -u +%H:%M:%S)" "$first_rate" "$warmed" "$ratio" "$t90" \
  "$t_leader" "$load" "$cpu_first" >> "$target/results.tsv"
log "slices in $slices, node logs in $run"
