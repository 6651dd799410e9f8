#!/usr/bin/env bash
# image-root.sh: the file tree of the daemon-less container image (./mvnw -Pimage, Jib from scratch), so that
# no base image has to come from a container registry:
#   image-root.sh OUT_DIR DIST_TARBALL
# OUT_DIR gets glibc, bash and busybox (sh, env, awk, grep, ...) from Debian's packages (apt-get download; no
# install), a Java runtime made by jlink (from the JDK scripts/find-jdk.sh finds) with the modules the
# distribution uses (jdeps), and the
# distribution itself at /opt/caucus: the same layout as packaging/container/Containerfile's image.
set -euo pipefail

out="$1" tarball="$2"
# shellcheck source=../../scripts/find-jdk.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/find-jdk.sh"
jdk="$(find_jdk image-root.sh)"
debs="$(dirname "$out")/image-debs"
rm -rf "$out" && mkdir -p "$out" "$debs"

# Debian's packages for the C library, the launcher's shell and the small tools it and find-jdk.sh call.
packages=(libc6 libtinfo6 bash busybox-static)
if ! (cd "$debs" && apt-get download "${packages[@]}" >/dev/null 2>&1); then
  apt-get update -qq >/dev/null && (cd "$debs" && apt-get download "${packages[@]}" >/dev/null)
fi
for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$out"; done
rm -rf "$out/usr/share" "$out/usr/lib/x86_64-linux-gnu/gconv" "$out/usr/bin/bashbug" "$out/usr/bin/clear_console"
for tool in sh env readlink dirname awk grep ls cat head; do ln -sf busybox "$out/bin/$tool"; done
mkdir -p "$out/usr/bin" && ln -sf /bin/env "$out/usr/bin/env"

# The distribution, at /opt/caucus.
mkdir -p "$out/opt/unpack"
tar -xzf "$tarball" -C "$out/opt/unpack"
mv "$out"/opt/unpack/caucus-* "$out/opt/caucus" && rmdir "$out/opt/unpack"

# A Java runtime with just the modules the distribution's jars use, plus a few for operators (jcmd-less).
modules="$("$jdk/bin/jdeps" --multi-release 21 --print-module-deps --ignore-missing-deps \
    --class-path "$out/opt/caucus/lib/*" "$out"/opt/caucus/lib/*.jar 2>/dev/null | tail -n 1)"
"$jdk/bin/jlink" --add-modules "$modules,java.management,jdk.management,jdk.naming.dns,jdk.crypto.ec" \
    --strip-debug --no-man-pages --no-header-files --output "$out/opt/java"

# The service user of the Containerfile's image (uid and gid 10001), name lookups through files then DNS.
mkdir -p "$out/etc" "$out/tmp" "$out/var/lib/caucus" "$out/etc/caucus"
printf 'root:x:0:0:root:/root:/bin/sh\ncaucus:x:10001:10001:caucus:/var/lib/caucus:/bin/sh\n' > "$out/etc/passwd"
printf 'root:x:0:\ncaucus:x:10001:\n' > "$out/etc/group"
printf 'hosts: files dns\n' > "$out/etc/nsswitch.conf"

# Jib copies a symbolic link as the file it points to on this machine, so an absolute link (/lib64's dynamic
# loader, /usr/bin/env) would bring in this machine's file: resolve every link inside the tree instead.
while IFS= read -r link; do
  target="$(readlink "$link")"
  if [[ "$target" == /* ]]; then target="$out$target"; else target="$(dirname "$link")/$target"; fi
  rm "$link" && cp -L "$target" "$link"
done < <(find "$out" -type l | sort -r)
