#!/usr/bin/env bash
# bench/multiraft/run.sh: writes per second and per fsync of three CaucusHost processes (one JVM, loopback, real
# data directories) running 1 and then 16 Raft groups, each group on all three, with the same closed-loop writers:
# with many groups, one fsync of the shared log covers the writes of many groups (docs/multiraft.md).
#
# With WRITERS=0 it measures idle groups instead (CPU, Raft messages per second, heap), with quiescence on, or off
# with QUIESCE=false: WRITERS=0 GROUPS_LIST=1000 bench/multiraft/run.sh
#
# Tunables (environment): GROUPS_LIST="1 16" WRITERS=64 MEASURE_SECONDS=20 WARMUP_SECONDS=10 VALUE_BYTES=100 HEAP=2g
#   QUIESCE=true LINGER_MICROS=500 GATHER_MICROS=200 DATA=bench/multiraft/target/data (removed before and after each
#   run)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
GROUPS_LIST="${GROUPS_LIST:-1 16}"
WRITERS="${WRITERS:-64}"
SECONDS_MEASURED="${MEASURE_SECONDS:-20}" # not SECONDS: bash counts that one itself from 0
WARMUP_SECONDS="${WARMUP_SECONDS:-10}"
VALUE_BYTES="${VALUE_BYTES:-100}"
HEAP="${HEAP:-2g}"
QUIESCE="${QUIESCE:-true}"
LINGER_MICROS="${LINGER_MICROS:-500}" # each group leader's proposal linger (CaucusHost.Builder.proposalLinger)
GATHER_MICROS="${GATHER_MICROS:-200}" # the shared log's sync gather while several groups write (.syncGather)
DATA="${DATA:-$here/target/data}"
source "$root/scripts/find-jdk.sh"
jdk="$(find_jdk "multiraft bench")"

jar="$here/target/multiraft-bench.jar"
if [[ ! -f "$jar" || -n "$(find "$root" \( -path "$root/.git" -o -name target \) -prune -o -name '*.java' -newer "$jar" -print -quit)" ]]; then
  (cd "$root" && ./mvnw -q -B -DskipTests package -pl bench/multiraft -am)
fi
trap 'rm -rf "$DATA"' EXIT
echo "multiraft bench: groups $GROUPS_LIST, $WRITERS writers, ${SECONDS_MEASURED}s after ${WARMUP_SECONDS}s warm-up, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
for groups in $GROUPS_LIST; do
  rm -rf "$DATA"
  "$jdk/bin/java" -Xms"$HEAP" -Xmx"$HEAP" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -jar "$jar" \
    "$groups" "$WRITERS" "$SECONDS_MEASURED" "$WARMUP_SECONDS" "$VALUE_BYTES" "$DATA" "$QUIESCE" "$LINGER_MICROS" "$GATHER_MICROS" 2> >(grep -v ' INFO ' >&2)
done
