#!/usr/bin/env bash
# Installs what the Python binding needs: a virtualenv at .venv (repo root, git-ignored) with
# maturin and pytest. Idempotent and quiet. Needs python3 >= 3.9 and a Rust toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
if ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
    rm -rf "$VENV"
    if ! python3 -m venv "$VENV" >/dev/null 2>&1; then
        # Debian splits venv/ensurepip out of python3.
        rm -rf "$VENV"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq python3-venv >/dev/null
        python3 -m venv "$VENV"
    fi
fi
# redis: the producer helpers (apnspush.redis_queue) and their test against `apnspush worker`.
"$VENV/bin/python" -m pip install -q --disable-pip-version-check "maturin>=1.7,<2" pytest "redis>=5"
echo "deps-python: $("$VENV/bin/python" --version), $("$VENV/bin/maturin" --version), pytest $("$VENV/bin/python" -c 'import pytest; print(pytest.__version__)')"
