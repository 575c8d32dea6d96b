#!/bin/sh
# Builds priv/apnspush_nif.so: libapnspush.a (release, cargo skips it when up to date; in
# $CARGO_TARGET_DIR or the repository's target/), then the NIF linked against it, relinked only
# when the C source, the header or the library changed. rebar3 runs it before compiling (see
# rebar.config); any directory works as the current one.
set -eu
app=$(cd "$(dirname "$0")/.." && pwd -P)
root=$(cd "$app/../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
lib=$target/release/libapnspush.a
so=$app/priv/apnspush_nif.so

(cd "$root" && cargo build --quiet --release -p apnspush-ffi)

if [ -f "$so" ] && [ "$so" -nt "$app/c_src/apnspush_nif.c" ] && [ "$so" -nt "$lib" ] \
    && [ "$so" -nt "$root/include/apns.h" ]; then
    exit 0
fi
erl_include=$(erl -noshell -eval \
    'io:format("~s", [filename:join([code:root_dir(), "usr", "include"])]), halt().')
mkdir -p "$app/priv"
# The static library carries the whole engine; only the NIF entry point is looked up by name.
gcc -shared -fPIC -O2 -std=gnu11 -Wall -Wextra -Wpedantic -Werror -Wl,--strip-debug \
    -I "$root/include" -I "$erl_include" \
    "$app/c_src/apnspush_nif.c" "$lib" -lpthread -ldl -lm \
    -o "$so.tmp"
mv "$so.tmp" "$so"
