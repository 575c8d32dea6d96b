#!/usr/bin/env bash
# Builds the Erlang application (rebar3 compile in bindings/erlang builds libapnspush.a and the
# NIF first, through c_src/build.sh), runs its EUnit suite (rebar3's test profile) and the demo
# (which loads the default profile's build) against the built-in mock, checking what the mock
# recorded. Run scripts/deps-erlang.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."

(cd bindings/erlang && rebar3 compile && rebar3 eunit)

demo_output=$(examples/erlang/demo.escript)
echo "$demo_output"
# The demo pushes 10,000 built from alert title/body and badge, 5 of them to tokens the mock
# rejects with status 8: the mock must have recorded exactly that.
grep -q '^mock recorded 9995 accepted, 5 rejected$' <<<"$demo_output"
for n in 17 1234 4321 7777 9999; do
    grep -q "^  notification $n token .* status 8 (" <<<"$demo_output"
done
[ "$(grep -c ' status 8 (' <<<"$demo_output")" -eq 5 ]
token0=5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a0000000000000000
payload0='{"aps":{"alert":{"body":"notification 0","title":"apnspush demo"},"badge":1}}'
grep -qxF "mock recorded for token $token0: $payload0" <<<"$demo_output"
echo "test-erlang: ok"
