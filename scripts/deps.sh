#!/usr/bin/env bash
# Installs everything scripts/test.sh needs on a fresh Debian machine with Rust, Python and Node.
set -euo pipefail
cd "$(dirname "$0")/.."
for part in c python node ruby erlang proxy redis; do
  bash "scripts/deps-$part.sh"
done
