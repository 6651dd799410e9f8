# scripts/find-jdk.sh: sourced (not run) by ./caucus, the distribution's bin/caucus and the bench scripts;
# defines find_jdk and netty_flags.
#   source "$root/scripts/find-jdk.sh"
#   jdk="$(find_jdk NAME)"     # then "$jdk/bin/java", "$jdk/bin/jcmd", "$jdk/bin/jfr"
#   mapfile -t jvm_flags < <(netty_flags "$(java_major "$jdk/bin/java")")
# find_jdk prints the home of a JDK 21 or newer: $JAVA_HOME if it is one, else the newest under /usr/lib/jvm.
# With none, it says so on stderr (after "NAME: ") and returns 1; under `set -e`, `jdk="$(find_jdk NAME)"` then
# stops the script.
# The Maven build finds its JDK the same way through the toolchains plugin (see the parent pom).

caucus_min_java=21

java_major() { # prints the major version of the java binary $1, or 0
  local version
  version="$("$1" -version 2>&1 | awk -F'"' '/version/ {print $2; exit}')" || true
  version="${version#1.}"
  echo "${version%%[.+-]*}" | grep -E '^[0-9]+$' || echo 0
}

find_jdk() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" \
      && "$(java_major "$JAVA_HOME/bin/java")" -ge "$caucus_min_java" ]]; then
    echo "$JAVA_HOME"
    return 0
  fi
  local best="" best_major=0 candidate major
  for candidate in /usr/lib/jvm/*/bin/java; do
    [[ -x "$candidate" ]] || continue
    major="$(java_major "$candidate")"
    if (( major > best_major )); then
      best="${candidate%/bin/java}"
      best_major="$major"
    fi
  done
  if (( best_major >= caucus_min_java )); then
    echo "$best"
    return 0
  fi
  echo "${1:+$1: }no JDK $caucus_min_java or newer found (set JAVA_HOME, or install one under /usr/lib/jvm)" >&2
  return 1
}

# JVM flags that let Netty use sun.misc.Unsafe and load its native transport without the JDK's warnings on
# start: JDK 22+ warns about restricted methods (System.load) unless native access is enabled, JDK 24+ about
# sun.misc.Unsafe's memory access unless it is allowed (an option JDK 21 and 22 do not know, so it is passed
# from JDK 23 on).
netty_flags() {
  echo "--enable-native-access=ALL-UNNAMED"
  if (( $1 >= 23 )); then
    echo "--sun-misc-unsafe-memory-access=allow"
  fi
}

# JVM flags for a server's memory: the heap on transparent huge pages where the kernel gives them on request
# (/sys/kernel/mm/transparent_hugepage/enabled reads "[madvise]"; with "[always]" it does without asking, with
# "[never]" the JVM would only warn). A key-value node's apply is a hash lookup per write into a keyspace
# spread over the heap; on 4 KiB pages most of those lookups miss the TLB as well as the cache. With 16-command
# pipelines the three nodes then spend 10-15% less CPU per SET (docs/benchmarks.md, "Huge pages").
server_memory_flags() {
  local thp=/sys/kernel/mm/transparent_hugepage/enabled
  if [[ -r "$thp" ]] && grep -q '\[madvise\]' "$thp"; then
    echo "-XX:+UseTransparentHugePages"
  fi
}
