#!/usr/bin/env bash
# check-image.sh: runs the image ./mvnw -Pimage made without a container runtime, to show it is complete:
# unpacks its layers into a temporary directory, then, in a chroot there (with /proc mounted, as a runtime
# mounts it), starts a one-node cluster with the image's entrypoint and waits for /health to answer 200.
#   packaging/container/check-image.sh [caucus-kv/target/caucus-image.tar]
# Needs root (chroot, mount) and python3 (to read the OCI index); prints the node's log if it fails.
set -euo pipefail

image="$(realpath "${1:-caucus-kv/target/caucus-image.tar}")"
work="$(mktemp -d)"
root="$work/root"
node=""
cleanup() {
  [[ -n "$node" ]] && kill "$node" 2>/dev/null && wait "$node" 2>/dev/null || true
  mountpoint -q "$root/proc" && umount "$root/proc"
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/oci" "$root"
tar -xf "$image" -C "$work/oci"
# The layers in order, from the OCI index and manifest.
layers="$(python3 - "$work/oci" <<'PY'
import json, sys
oci = sys.argv[1]
blob = lambda digest: f"{oci}/blobs/{digest.replace(':', '/')}"
index = json.load(open(f"{oci}/index.json"))
manifest = json.load(open(blob(index["manifests"][0]["digest"])))
print("\n".join(blob(layer["digest"]) for layer in manifest["layers"]))
PY
)"
while read -r layer; do tar --warning=no-unknown-keyword -xzf "$layer" -C "$root"; done <<< "$layers"
mkdir -p "$root/proc" && mount -t proc proc "$root/proc"

# Free loopback ports, all bound at once by one process so that none is handed out twice.
read -r raft client http < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])')
printf 'nodes:\n  - id: n1\n    raft: 127.0.0.1:%s\n    client: 127.0.0.1:%s\n    http: 127.0.0.1:%s\ndataDirectory: /var/lib/caucus\n' \
  "$raft" "$client" "$http" > "$root/etc/caucus/cluster.yaml"

env -i JAVA_HOME=/opt/java PATH=/opt/java/bin:/bin:/usr/bin "$(command -v chroot)" --userspec=10001:10001 "$root" \
  /opt/caucus/bin/caucus server --config /etc/caucus/cluster.yaml --id n1 > "$work/n1.log" 2>&1 &
node=$!
for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$http/health" 2>/dev/null; then
    echo
    echo "check-image.sh: $image runs: /health answered 200"
    exit 0
  fi
  kill -0 "$node" 2>/dev/null || break
  sleep 1
done
echo "check-image.sh: no healthy node from $image; its log:" >&2
cat "$work/n1.log" >&2
exit 1
