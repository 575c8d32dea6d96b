#!/usr/bin/env bash
# Runs the commands the docs tell a reader to run, exactly as written: every ```sh block of
# README.md and docs/*.md, in document order, each in a fresh `bash -euo pipefail` started at
# the repository root (the checkout CI cloned). The README's test command is not run here: it
# is what runs this script. Fails if a block fails, or if the blocks change `git status`
# (building must leave nothing untracked or modified). Run scripts/deps.sh first, as the docs
# say. DOCS="docs/NODE.md ..." runs only those files.
set -euo pipefail
cd "$(dirname "$0")/.."

TEST_COMMAND='bash scripts/deps.sh && bash scripts/test.sh'
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
docs=${DOCS:-"README.md $(ls docs/*.md)"}

before="$(git status --porcelain)"
blocks=0
for doc in $docs; do
    # Split the doc's ```sh blocks into numbered files.
    awk -v dir="$WORK" -v base="$(basename "$doc" .md)" '
        /^```sh[[:space:]]*$/ { n++; file = sprintf("%s/%s.%02d.sh", dir, base, n); inside = 1; next }
        /^```/ { inside = 0; next }
        inside { print > file }
    ' "$doc"
    for block in "$WORK/$(basename "$doc" .md)".*.sh; do
        [ -e "$block" ] || continue
        grep -vF "$TEST_COMMAND" "$block" > "$block.run" || true
        echo "--- $doc, block $(basename "$block" .sh | sed 's/.*\.//'):"
        sed 's/^/    /' "$block.run"
        bash -euo pipefail "$block.run"
        blocks=$((blocks + 1))
    done
done
after="$(git status --porcelain)"
if [ "$before" != "$after" ]; then
    echo "test-docs: the docs' commands changed git status:" >&2
    diff <(echo "$before") <(echo "$after") >&2 || true
    exit 1
fi
echo "test-docs: $blocks blocks ran as written; git status unchanged"
