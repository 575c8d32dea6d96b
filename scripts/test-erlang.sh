#!/usr/bin/env bash
# Builds the Erlang application (rebar3 compile in bindings/erlang builds libapnspush.a and the
# NIF first, through c_src/build.sh), runs its EUnit suite (rebar3's test profile) and the demo
# (which loads the default profile's build) against the built-in mock, checking what the mock
# recorded; then examples/erlang/redis_producer.escript against a real redis-server and
# `apnspush worker` (scripts/with-redis-worker.sh). Run scripts/deps-erlang.sh and
# scripts/deps-redis.sh first.
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
# The Redis producer (RESP over gen_tcp, docs/ERLANG.md) against a real redis-server, one
# `apnspush worker` and the HTTP/2 mock rejecting 5 of its 1,000 tokens.
redis_bad=(17 234 432 777 999)
rules=()
for n in "${redis_bad[@]}"; do
    rules+=(--reject-http2 "$(printf '5a%.0s' $(seq 24))$(printf '%016x' "$n"):400:BadDeviceToken")
done
redis_output=$(bash scripts/with-redis-worker.sh "${rules[@]}" -- \
    timeout 300 examples/erlang/redis_producer.escript 1000)
echo "$redis_output"
grep -qx 'outcomes: 1000 (accepted=995 rejected=5 other=0), each ref once' <<<"$redis_output"
for n in "${redis_bad[@]}"; do
    grep -qx "  rejected ref $n token $(printf '5a%.0s' $(seq 24))$(printf '%016x' "$n") status 400 BadDeviceToken" \
        <<<"$redis_output"
done
[ "$(grep -c '^  ' <<<"$redis_output")" -eq 5 ]
grep -qx 'with-redis-worker: worker exit 0, outcomes 1000, dead letters 0, pending 0, mock accepted 995' \
    <<<"$redis_output"
echo "test-erlang: ok"
