#!/usr/bin/env bash
# Installs what the Ruby gem (bindings/ruby) and its tests need from Debian packages (rubygems.org
# is not used): Ruby (3.1 on bookworm, with the gem command and minitest bundled) and the ffi gem
# (ruby-ffi), which `gem install --local` then finds as installed, and the redis gem (ruby-redis)
# that the producer helpers (apnspush/redis_queue) are tested with. Idempotent and quiet.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO=sudo; fi

missing=()
for pkg in ruby ruby-ffi ruby-redis; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
echo "deps-ruby: $(ruby --version), gem $(gem --version), ffi $(ruby -rffi -e 'print FFI::VERSION'), minitest $(ruby -rminitest -e 'print Minitest::VERSION'), redis $(ruby -rredis -e 'print Redis::VERSION')"
