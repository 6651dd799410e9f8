#!/usr/bin/env bash
# jfr-summary.sh FILE.jfr: execution samples by thread and by top frame
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/find-jdk.sh"
J="$(find_jdk jfr-summary.sh)/bin"; f=$1; s=$(dirname $f)/samples.txt
$J/jfr print --events jdk.ExecutionSample --stack-depth 64 $f > $s
echo "samples: $(grep -c 'jdk.ExecutionSample' $s)"
echo "== by thread"; grep sampledThread $s | sed 's/.*= "\(.*\)".*/\1/' | sed 's/[0-9-]*$//' | sort | uniq -c | sort -rn | head
echo "== top frames"; awk '/stackTrace = \[/ {getline; sub(/^ +/,""); sub(/line:.*/,""); print}' $s | sort | uniq -c | sort -rn | head -${TOP:-40}
