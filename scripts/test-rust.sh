#!/usr/bin/env bash
# Rust: formatting, the engine's unit/integration tests, and the demo end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo test --locked
cargo run --locked --quiet --release -p apnspush --example demo >/tmp/apnspush-demo.out
grep -q 'outcomes: {"accepted": 9995, "rejected": 5}' /tmp/apnspush-demo.out || { cat /tmp/apnspush-demo.out; echo "demo outcomes wrong"; exit 1; }
echo "rust: ok"
