#!/usr/bin/env bash
# Node binding: installs the build tool (@napi-rs/cli) with `npm ci`, exactly the versions in
# bindings/node/package-lock.json, which it never rewrites. Node 20 + npm and Rust come with
# the machine. Idempotent (skipped while node_modules matches the lock file) and quiet.
set -euo pipefail
cd "$(dirname "$0")/../bindings/node"
command -v node >/dev/null || { echo "deps-node: node (20 or later) and npm are required" >&2; exit 1; }
if [ -x node_modules/.bin/napi ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error >/dev/null
