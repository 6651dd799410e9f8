#!/usr/bin/env bash
# Builds the storage benchmarks and runs them with a JDK 21+ found under /usr/lib/jvm.
# Usage: bench/storage/run.sh [JMH options...]   (default: a short run, -wi 1 -i 3 -f 1 -w 1s -r 2s)
# Files are written under $CAUCUS_BENCH_DIR (default: bench/storage/target/bench-data), so the log and the
# raw fsync loop are measured on the same file system.
set -euo pipefail
cd "$(dirname "$0")/../.."

find_jdk() {
  local candidate version
  for candidate in /usr/lib/jvm/*/; do
    [ -x "${candidate}bin/java" ] || continue
    version=$("${candidate}bin/java" -XshowSettings:properties -version 2>&1 \
      | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')
    if [ -n "$version" ] && [ "$version" -ge 21 ]; then
      echo "${candidate}bin/java"
      return 0
    fi
  done
  return 1
}

JAVA=$(find_jdk) || { echo "no JDK 21 or newer under /usr/lib/jvm" >&2; exit 1; }
./mvnw -B -q -pl bench/storage -am package -DskipTests
DATA_DIR=${CAUCUS_BENCH_DIR:-$PWD/bench/storage/target/bench-data}
mkdir -p "$DATA_DIR"
if [ "$#" -eq 0 ]; then
  set -- -wi 1 -i 3 -f 1 -w 1s -r 2s
fi
exec "$JAVA" -jar bench/storage/target/benchmarks.jar -jvmArgsAppend "-Dcaucus.bench.dir=$DATA_DIR" "$@"
