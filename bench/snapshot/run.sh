#!/usr/bin/env bash
# bench/snapshot/run.sh: the size of a key-value snapshot and the time to take it, stream it to a follower over
# loopback TCP (the runtime's chunks, flow control, checksums and fsync) and restore it, for KEYS keys of
# VALUE_BYTES random bytes each (defaults: 10 million x 100 B, about 1 GB of values).
#
# Tunables (environment): KEYS=10000000 VALUE_BYTES=100 CHUNK_BYTES=1048576 IN_FLIGHT=4 HEAP=12g
#   DATA=bench/snapshot/target/data (removed before and after the run)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
KEYS="${KEYS:-10000000}"
VALUE_BYTES="${VALUE_BYTES:-100}"
CHUNK_BYTES="${CHUNK_BYTES:-1048576}"
IN_FLIGHT="${IN_FLIGHT:-4}"
HEAP="${HEAP:-12g}"
DATA="${DATA:-$here/target/data}"
source "$root/scripts/find-jdk.sh"
jdk="$(find_jdk "snapshot bench")"

jar="$here/target/snapshot-bench.jar"
if [[ ! -f "$jar" || -n "$(find "$root" \( -path "$root/.git" -o -name target \) -prune -o -name '*.java' -newer "$jar" -print -quit)" ]]; then
  (cd "$root" && ./mvnw -q -B -DskipTests package -pl bench/snapshot -am)
fi
rm -rf "$DATA"
trap 'rm -rf "$DATA"' EXIT
echo "snapshot bench: $KEYS keys x $VALUE_BYTES B, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
"$jdk/bin/java" -Xms"$HEAP" -Xmx"$HEAP" -XX:+UseParallelGC -jar "$jar" "$KEYS" "$VALUE_BYTES" "$DATA" "$CHUNK_BYTES" "$IN_FLIGHT"
