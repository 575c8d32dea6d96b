#!/usr/bin/env bash
# Every test: Rust, C, Python, Node, Ruby, Erlang, then the docs' commands as written
# (scripts/test-docs.sh). Needs scripts/deps.sh to have run once.
set -euo pipefail
cd "$(dirname "$0")/.."
for part in rust c python node ruby erlang docs; do
  echo "=== $part ==="
  bash "scripts/test-$part.sh"
done
echo "all test suites passed"
