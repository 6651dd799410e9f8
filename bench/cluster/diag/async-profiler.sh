#!/usr/bin/env bash
# Prints the path of async-profiler's Linux x64 agent, fetching tools.profiler:async-profiler from Maven
# Central into the local repository and unpacking it under bench/cluster/target on first use.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"; root="$(cd "$here/../../.." && pwd)"
version=4.1; dest="$here/../target/async-profiler-$version"
if [[ ! -f "$dest/linux-x64/libasyncProfiler.so" ]]; then
  "$root/mvnw" -q dependency:get -Dartifact=tools.profiler:async-profiler:$version >&2
  mkdir -p "$dest"
  (cd "$dest" && unzip -o -q "$HOME/.m2/repository/tools/profiler/async-profiler/$version/async-profiler-$version.jar" 'linux-x64/*')
fi
echo "$dest/linux-x64/libasyncProfiler.so"
