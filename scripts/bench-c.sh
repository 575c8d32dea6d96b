#!/usr/bin/env bash
# Benchmark of the C API (a program that prints figures; not a test): the cost of one
# apns_pusher_push_async call, in ns per call, with the engine draining the queue to the built-in
# mock (record_payloads off), next to baselines measured in the same run.
# Usage: scripts/bench-c.sh [CALLS]   (default 2,000,000). Release build.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet --release -p apnspush-ffi
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
gcc -std=c99 -O2 -Wall -Wextra -Wpedantic -Werror -Iinclude benches/c/push_async_bench.c \
    -L"$TARGET_DIR/release" -lapnspush -Wl,-rpath,"$TARGET_DIR/release" -o "$OUT/push_async_bench"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$OUT/push_async_bench" "${1:-2000000}"
