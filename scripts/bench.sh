#!/usr/bin/env bash
# Benchmarks (programs that print figures; not tests). Release builds.
# bench_http2 runs h2load (Debian's nghttp2-client) as its reference: installed here if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v h2load >/dev/null; then
  sudo=$([ "$(id -u)" = 0 ] || echo sudo)
  $sudo apt-get update -qq && $sudo apt-get install -y -qq nghttp2-client
fi
cargo build --locked --release -p apnspush --bins --examples -p apnspush-h2-server
target/release/examples/bench_binary "${1:-1000000}"
target/release/examples/bench_http2 "${1:-1000000}"
