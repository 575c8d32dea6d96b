#!/usr/bin/env bash
# Builds libapnspush.a (release; cargo skips it when up to date), links the Erlang NIF against
# it, compiles the modules, and runs the EUnit suite and the demo against the built-in mock.
# Run scripts/deps-erlang.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet --release -p apnspush-ffi

dir=examples/erlang
erl_include=$(erl -noshell -eval 'io:format("~s", [filename:join([code:root_dir(), "usr", "include"])]), halt().')
mkdir -p "$dir/priv" "$dir/ebin"
# The static library carries the whole engine; only the NIF entry point is looked up by name.
gcc -shared -fPIC -O2 -std=gnu11 -Wall -Wextra -Wpedantic -Werror -Wl,--strip-debug \
    -I include -I "$erl_include" \
    "$dir/c_src/apnspush_nif.c" target/release/libapnspush.a -lpthread -ldl -lm \
    -o "$dir/priv/apnspush_nif.so"
erlc -Wall -Werror -o "$dir/ebin" "$dir"/src/*.erl "$dir"/test/*.erl

(cd "$dir" && erl -noshell -pa ebin \
    -eval 'case eunit:test([apnspush_tests, apnspush_secrets_tests], [verbose]) of ok -> halt(0); _ -> halt(1) end.')

demo_output=$("$dir/demo.escript")
echo "$demo_output"
# The demo pushes 10,000 with 5 bad tokens: the mock must have recorded exactly that.
grep -q '^mock recorded 9995 accepted, 5 rejected$' <<<"$demo_output"
[ "$(grep -c ' status 8 (' <<<"$demo_output")" -eq 5 ]
echo "test-erlang: ok"
