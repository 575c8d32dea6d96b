#!/usr/bin/env bash
# Node: builds the addon (napi build --release), checks the committed index.d.ts/index.js are
# what the build generates and that the build left no untracked file, runs the node:test
# suite, then the demo end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps-node.sh
(cd bindings/node && npm run --silent build)
if git ls-files --error-unmatch bindings/node/index.d.ts >/dev/null 2>&1 \
  && ! git diff --quiet -- bindings/node/index.d.ts bindings/node/index.js; then
  git --no-pager diff --stat -- bindings/node/index.d.ts bindings/node/index.js
  echo "bindings/node/index.d.ts or index.js is stale: rebuild and commit it" >&2
  exit 1
fi
untracked=$(git status --porcelain --untracked-files=all -- bindings/node | grep '^??' || true)
if [ -n "$untracked" ]; then
  echo "$untracked"
  echo "the node build left untracked files: put build outputs in gitignored places" >&2
  exit 1
fi
(cd bindings/node && node --test test/*.test.js)
node examples/node/demo.js >/tmp/apnspush-node-demo.out
grep -q '^outcomes: {"accepted":9995,"rejected":5}$' /tmp/apnspush-node-demo.out \
  || { cat /tmp/apnspush-node-demo.out; echo "node demo outcomes wrong" >&2; exit 1; }
echo "node: ok"
