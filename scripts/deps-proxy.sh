#!/usr/bin/env bash
# Installs the real HTTP CONNECT proxy the proxy tests (core/tests/proxy.rs) start as a child
# process: tinyproxy from Debian (1.11 on bookworm), as its executable-only package
# tinyproxy-bin (the tinyproxy package adds a system service the tests do not use; they run
# their own with a generated config). Idempotent and quiet.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO=sudo; fi

if ! command -v tinyproxy >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq tinyproxy-bin >/dev/null
fi
echo "deps-proxy: $(tinyproxy -v 2>&1 | head -n 1)"
