#!/usr/bin/env bash
# Node binding: installs the build tool (@napi-rs/cli, versions pinned by
# bindings/node/package-lock.json) with npm. Node 20 + npm and Rust come with the machine.
# Idempotent and quiet.
set -euo pipefail
cd "$(dirname "$0")/../bindings/node"
command -v node >/dev/null || { echo "deps-node: node (20 or later) and npm are required" >&2; exit 1; }
if [ -x node_modules/.bin/napi ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  exit 0
fi
# `npm install`, not `npm ci`: the lock file lists only the optional platform packages the
# registry serves for this platform, which `npm ci` rejects as out of sync; `npm install` keeps
# the locked versions and skips the optional ones that are absent.
npm install --no-audit --no-fund --loglevel=error >/dev/null
