#!/usr/bin/env bash
# Runs a producer against a real queue: builds the command-line binary (release), starts an
# in-memory redis-server on a free loopback port, the HTTP/2 mock (`apnspush mock --http2`
# with the given --reject-http2 rules) and one `apnspush worker` pushing to it, then runs
# COMMAND with REDIS_HOST and REDIS_PORT set. Afterwards it stops the worker with SIGTERM
# (it must exit 0), stops the mock and redis, and prints, for the caller to check:
#   with-redis-worker: worker exit 0, outcomes N, dead letters D, pending P, mock accepted A
# Exits with COMMAND's status, or 1 if the worker or the mock did not exit 0. Leaves nothing behind.
# Usage: scripts/with-redis-worker.sh [--reject-http2 TOKENHEX:STATUS:REASON]... -- COMMAND [ARG]...
set -euo pipefail
cd "$(dirname "$0")/.."

rejects=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    rejects+=("$1")
    shift
done
[ "${1:-}" = "--" ] && [ $# -gt 1 ] || { echo "usage: $0 [--reject-http2 RULE]... -- COMMAND..." >&2; exit 2; }
shift

cargo build --quiet --locked --release -p apnspush-cli
target_dir="$(cargo metadata --format-version 1 --no-deps \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
apnspush="$target_dir/release/apnspush"

work="$(mktemp -d)"
redis_pid="" mock_pid="" worker_pid=""
cleanup() {
    for pid in $worker_pid $mock_pid $redis_pid; do kill -9 "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
    >"$work/redis.log" &
redis_pid=$!
for _ in $(seq 1000); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && break
    sleep 0.02
done
redis-cli -p "$port" ping >/dev/null

# The mock serves until its stdin (a FIFO held open on fd 3) closes, then prints its record.
mkfifo "$work/mock.in"
"$apnspush" mock --http2 "${rejects[@]}" <"$work/mock.in" >"$work/mock.out" &
mock_pid=$!
exec 3>"$work/mock.in"
for _ in $(seq 1000); do
    [ -s "$work/mock.out" ] && grep -q '}$' "$work/mock.out" && break
    sleep 0.02
done
head -n 1 "$work/mock.out" >"$work/mock.json"

"$apnspush" worker --redis "redis://127.0.0.1:$port" --config "$work/mock.json" \
    2>"$work/worker.err" &
worker_pid=$!

status=0
REDIS_HOST=127.0.0.1 REDIS_PORT="$port" "$@" || status=$?

kill -TERM "$worker_pid"
worker_status=0
wait "$worker_pid" || worker_status=$?
worker_pid=""
exec 3>&-
mock_status=0
wait "$mock_pid" || mock_status=$?
mock_pid=""
accepted="$(tail -n 1 "$work/mock.out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["accepted"])' \
    || echo unknown)"
outcomes="$(redis-cli -p "$port" XLEN apnspush:outcomes)"
dead="$(redis-cli -p "$port" XLEN apnspush:dead)"
pending="$(redis-cli -p "$port" XPENDING apnspush:notifications apnspush | head -n 1)"
redis-cli -p "$port" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
wait "$redis_pid" || true
redis_pid=""

echo "with-redis-worker: worker exit $worker_status, outcomes $outcomes, dead letters $dead, pending $pending, mock accepted $accepted"
if [ "$worker_status" -ne 0 ]; then
    cat "$work/worker.err" >&2
    [ "$status" -ne 0 ] || status=1
fi
if [ "$mock_status" -ne 0 ]; then
    echo "with-redis-worker: the mock exited $mock_status" >&2
    [ "$status" -ne 0 ] || status=1
fi
exit "$status"
