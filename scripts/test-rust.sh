#!/usr/bin/env bash
# Rust: formatting, the engine's unit/integration tests, and the demo end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
# The h2-crate interop server is not a default member (tokio, h2): build it for
# core/tests/http2_interop_h2.rs.
cargo build --locked -p apnspush-h2-server
# The default members (Cargo.toml) in debug, except the command (cli/): its tests stream
# 1,000,000 lines through the engine and run its binary as a subprocess, so they run on a
# release build.
cargo test --locked -p apnspush -p apnspush-ffi
cargo test --locked --release -p apnspush-cli
cargo run --locked --quiet --release -p apnspush --example demo >/tmp/apnspush-demo.out
# Both runs (binary, then HTTP/2) must report exactly the 5 bad tokens rejected.
[ "$(grep -c 'outcomes: {"accepted": 9995, "rejected": 5}' /tmp/apnspush-demo.out)" = 2 ] \
  && [ "$(grep -c 'status 8 (Invalid token)' /tmp/apnspush-demo.out)" = 5 ] \
  && [ "$(grep -c 'status 400 (BadDeviceToken)' /tmp/apnspush-demo.out)" = 5 ] \
  || { cat /tmp/apnspush-demo.out; echo "demo outcomes wrong"; exit 1; }
echo "rust: ok"
