#!/usr/bin/env bash
# scripts/ensure-packages.sh PKG...: makes sure the named Debian packages are installed.
# Packages already installed (dpkg -s) are left alone; if any is missing, runs `apt-get update` once and then
# `DEBIAN_FRONTEND=noninteractive apt-get install -y` with the missing ones, as root directly or through sudo
# (non-interactive) when not root. Exits non-zero with a clear message when that is not possible.
set -euo pipefail

me="ensure-packages"
die() { echo "$me: error: $*" >&2; exit 1; }

(( $# > 0 )) || die "usage: $0 PKG... (Debian package names)"
command -v dpkg >/dev/null 2>&1 || die "dpkg not found: this script installs Debian packages; install $* by hand"

# installed PKG: 0 if installed, 1 if not. dpkg -s exits 1 for a package it does not know or that is not
# installed; any other failure (dpkg itself not working, e.g. dpkg-query missing from the PATH) is an error,
# not a reason to install.
installed() {
  local status rc=0 why
  status="$(dpkg -s "$1" 2>/dev/null)" || rc=$?
  if (( rc > 1 )); then
    why="$(dpkg -s "$1" 2>&1)" || true
    die "dpkg -s $1 failed (exit $rc): ${why%%$'\n'*}"
  fi
  grep -q '^Status: install ok installed$' <<< "$status"
}

missing=()
for pkg in "$@"; do
  if ! installed "$pkg"; then
    missing+=("$pkg")
  fi
done
(( ${#missing[@]} == 0 )) && exit 0

sudo=()
if (( EUID != 0 )); then
  command -v sudo >/dev/null 2>&1 \
    || die "missing Debian packages ${missing[*]}; not root and sudo is not available: install them as root"
  sudo=(sudo -n)
fi
command -v apt-get >/dev/null 2>&1 || die "missing Debian packages ${missing[*]} and apt-get is not available"

echo "$me: installing missing Debian packages: ${missing[*]}" >&2
"${sudo[@]}" apt-get update \
  || die "apt-get update failed (missing packages: ${missing[*]})"
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" \
  || die "apt-get install -y ${missing[*]} failed"
for pkg in "${missing[@]}"; do
  installed "$pkg" || die "$pkg is still not installed after apt-get install"
done
