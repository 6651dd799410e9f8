#!/usr/bin/env bash
# Hand-written protocol mutants of caucus-core (issue 26), each a patch under scripts/mutants/ whose first line says
# which rule it breaks. Each is applied to a scratch worktree of HEAD (uncommitted changes are not included) and
# must make the core's or the simulator's default suite fail: "killed". A mutant that no longer applies (the code
# moved) is reported "stale" so it gets rewritten, not forgotten.
#   scripts/core-mutants.sh            every mutant (about two minutes each)
#   scripts/core-mutants.sh 06         the mutants whose file name contains 06
# Exit status: 0 only if every mutant selected was killed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
filter="${1:-}"
scratch="$(mktemp -d)"
tree="$scratch/tree"
git -C "$root" worktree add --quiet --detach "$tree" HEAD
cleanup() { git -C "$root" worktree remove --force "$tree" >/dev/null 2>&1 || true; rm -rf "$scratch"; }
trap cleanup EXIT

killed=0 survived=0 stale=0
for patch in "$root"/scripts/mutants/*.patch; do
  name="$(basename "$patch" .patch)"
  [[ -z "$filter" || "$name" == *"$filter"* ]] || continue
  git -C "$tree" checkout --quiet -- .
  if ! git -C "$tree" apply "$patch" 2>/dev/null; then
    echo "STALE     $name: the patch no longer applies"
    stale=$((stale + 1))
    continue
  fi
  log="$scratch/$name.log"
  start=$SECONDS
  if (cd "$tree" && ./mvnw -B -pl caucus-core,caucus-sim -am test -Dsurefire.failIfNoSpecifiedTests=false \
        -Dtest='io.caucus.core.**,io.caucus.sim.**' > "$log" 2>&1); then
    echo "SURVIVED  $name ($((SECONDS - start)) s): $(head -n 1 "$patch" | sed 's/^# //')"
    survived=$((survived + 1))
  else
    by="$(grep -l '<failure\|<error' "$tree"/caucus-{core,sim}/target/surefire-reports/TEST-*.xml 2>/dev/null \
          | sed 's|.*/TEST-io\.caucus\.||; s|\.xml$||' | head -n 3 | paste -sd, - || true)"
    echo "KILLED    $name ($((SECONDS - start)) s) by ${by:-a build failure, see the log}"
    killed=$((killed + 1))
  fi
  rm -rf "$tree"/caucus-{core,sim}/target/surefire-reports
done
echo "core mutants: killed=$killed survived=$survived stale=$stale"
(( survived == 0 && stale == 0 ))
