#!/usr/bin/env bash
# Builds the Python package the way users install it (pip builds an abi3 wheel through maturin)
# into .venv, then runs its pytest suite (which also runs examples/python/demo.py).
# Run scripts/deps-python.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
if [ ! -x "$VENV/bin/python" ]; then
    echo "test-python: $VENV is missing; run scripts/deps-python.sh first" >&2
    exit 1
fi
PY="$VENV/bin/python"
"$PY" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps ./bindings/python
"$PY" -m pytest -q -p no:cacheprovider bindings/python/tests
