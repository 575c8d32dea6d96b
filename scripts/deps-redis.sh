#!/usr/bin/env bash
# Installs Debian's redis-server (the real Redis the worker's tests start on a free loopback
# port, and `apnspush worker` runs against). Idempotent and quiet; does not start a server.
set -euo pipefail
if ! command -v redis-server >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends redis-server redis-tools >/dev/null
    # Debian starts a service on 6379 where an init system runs; the tests never use it.
fi
echo "deps-redis: $(redis-server --version | cut -d' ' -f1-3)"
