#!/usr/bin/env bash
# Builds the storage benchmarks and runs them with a JDK 21+ (scripts/find-jdk.sh: JAVA_HOME or /usr/lib/jvm).
# Usage: bench/storage/run.sh [JMH options...]   (default: a short run, -wi 1 -i 3 -f 1 -w 1s -r 2s)
# Files are written under $CAUCUS_BENCH_DIR (default: bench/storage/target/bench-data), so the log and the
# raw fsync loop are measured on the same file system.
set -euo pipefail
cd "$(dirname "$0")/../.."

source scripts/find-jdk.sh
jdk="$(find_jdk "storage bench")"
./mvnw -B -q -pl bench/storage -am package -DskipTests
DATA_DIR=${CAUCUS_BENCH_DIR:-$PWD/bench/storage/target/bench-data}
mkdir -p "$DATA_DIR"
if [ "$#" -eq 0 ]; then
  set -- -wi 1 -i 3 -f 1 -w 1s -r 2s
fi
exec "$jdk/bin/java" -jar bench/storage/target/benchmarks.jar -jvmArgsAppend "-Dcaucus.bench.dir=$DATA_DIR" "$@"
