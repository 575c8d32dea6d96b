#!/usr/bin/env bash
# Installs what the C API needs: a C and C++ compiler, pkg-config, valgrind (the C tests run
# under it), hiredis (examples/c/redis_producer.c) and cbindgen 0.29.4 (test-c.sh regenerates
# include/apns.h with it and fails on any difference). Idempotent and quiet.
set -euo pipefail
cd "$(dirname "$0")/.."

CBINDGEN_VERSION=0.29.4
SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO=sudo; fi

missing=()
for pkg in gcc g++ libc6-dev pkg-config valgrind libhiredis-dev; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "$(cbindgen --version 2>/dev/null || true)" != "cbindgen $CBINDGEN_VERSION" ]; then
    cargo install --quiet --locked --version "$CBINDGEN_VERSION" cbindgen
fi
echo "deps-c: $(gcc --version | head -n1), $(pkg-config --version) (pkg-config), $(valgrind --version), hiredis $(dpkg-query -W -f '${Version}' libhiredis-dev), $(cbindgen --version)"
