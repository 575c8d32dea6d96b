#!/usr/bin/env bash
# Benchmarks (programs that print figures; not tests). Release builds.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --locked --release -p apnspush --bins --examples
target/release/examples/bench_binary "${1:-1000000}"
target/release/examples/bench_http2 "${1:-1000000}"
