#!/usr/bin/env bash
# Starts a real HTTP CONNECT proxy for the faces' proxy tests: Debian's tinyproxy (installed by
# scripts/deps.sh) in the foreground on a free 127.0.0.1 port, with a generated config (Allow
# 127.0.0.1, LogLevel Info) and, given USER PASSWORD, BasicAuth. Usage:
#   bash tests/proxy/tinyproxy.sh [USER PASSWORD]
# Once the proxy listens it prints one line, `PORT LOGFILE PID`, where LOGFILE is tinyproxy's
# log (it holds a `CONNECT host:port HTTP/1.1` line per tunnel requested) and PID this script's
# process. On failure the one line starts with `tinyproxy.sh:` and the exit status is 1.
# It stops tinyproxy and deletes the log's directory when sent SIGTERM (kill PID) or, when its
# standard input is a pipe, when that pipe is closed (so a test that dies leaves no proxy).
set -uo pipefail

fail() { echo "tinyproxy.sh: $*"; exit 1; }

if [ $# -ne 0 ] && [ $# -ne 2 ]; then fail "usage: tinyproxy.sh [USER PASSWORD]"; fi
if ! command -v tinyproxy >/dev/null 2>&1; then
    fail "tinyproxy is not installed; run \`bash scripts/deps.sh\` (or scripts/deps-proxy.sh)"
fi

dir="$(mktemp -d "${TMPDIR:-/tmp}/apnspush-tinyproxy.XXXXXX")"
proxy=""
watcher=""
cleanup() {
    [ -n "$watcher" ] && kill "$watcher" 2>/dev/null
    if [ -n "$proxy" ]; then kill "$proxy" 2>/dev/null; wait "$proxy" 2>/dev/null; fi
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 0' TERM INT HUP

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A random port nothing listens on; another process may take it meanwhile, so a tinyproxy that
# exits (cannot bind) is retried on another port.
for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 40000))
    listening "$port" && continue
    {
        printf 'Port %s\nListen 127.0.0.1\nAllow 127.0.0.1\nTimeout 600\nMaxClients 64\n' "$port"
        printf 'LogLevel Info\nLogFile "%s/tinyproxy.log"\n' "$dir"
        if [ $# -eq 2 ]; then printf 'BasicAuth %s %s\n' "$1" "$2"; fi
    } > "$dir/tinyproxy.conf"
    tinyproxy -d -c "$dir/tinyproxy.conf" </dev/null >/dev/null 2>"$dir/stderr" &
    proxy=$!
    for _ in $(seq 1 3000); do  # 60 s at most
        if listening "$port"; then
            echo "$port $dir/tinyproxy.log $$"
            if [ -p /dev/stdin ]; then
                # An explicit <&0: a background command's input is /dev/null otherwise.
                cat <&0 >/dev/null &
                watcher=$!
                wait -n "$proxy" "$watcher"
            else
                wait "$proxy"
            fi
            exit 0
        fi
        kill -0 "$proxy" 2>/dev/null || break
        sleep 0.02
    done
    wait "$proxy" 2>/dev/null
    proxy=""
done
fail "tinyproxy did not start: $(tail -n 3 "$dir/stderr" "$dir/tinyproxy.log" 2>/dev/null | tr '\n' ' ')"
