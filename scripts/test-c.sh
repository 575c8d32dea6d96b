#!/usr/bin/env bash
# Builds and checks the C API: the ffi crate's Rust tests; include/apns.h regenerated with
# cbindgen 0.29.4 and compared with the committed one; the header alone as C99 and C++ with
# -Wall -Wextra -Wpedantic -Werror; its version macros against Cargo.toml; the library's
# exports against the header; every C test program in tests/c under valgrind and again under
# ASan/UBSan (the NULL-argument program must call every function the header declares); a
# static link; and the install step (scripts/install-c.sh into a temporary prefix) by building
# examples/c/demo.c with pkg-config and running it; examples/c/redis_producer.c (hiredis) run
# against a real redis-server and `apnspush worker` (scripts/with-redis-worker.sh). Run
# scripts/deps-c.sh and scripts/deps-redis.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."

CBINDGEN_VERSION=0.29.4
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
step() { echo "--- $*"; }

CFLAGS=(-std=c99 -Wall -Wextra -Wpedantic -Werror -g -Iinclude)
CXXFLAGS=(-std=c++11 -Wall -Wextra -Wpedantic -Werror -g -Iinclude)

step "build libapnspush (release) and run the ffi crate's tests"
cargo build --quiet --release -p apnspush-ffi
cargo test --quiet --release -p apnspush-ffi
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
LIB="$TARGET_DIR/release"
LINK=(-L"$LIB" -lapnspush -Wl,-rpath,"$LIB" -lpthread)

step "include/apns.h is what cbindgen $CBINDGEN_VERSION generates from ffi/src"
if [ "$(cbindgen --version)" != "cbindgen $CBINDGEN_VERSION" ]; then
    echo "test-c: need cbindgen $CBINDGEN_VERSION (scripts/deps-c.sh), found $(cbindgen --version)" >&2
    exit 1
fi
cbindgen --quiet --config ffi/cbindgen.toml --crate apnspush-ffi --output "$WORK/apns.h" ffi
if ! diff -u include/apns.h "$WORK/apns.h"; then
    echo "test-c: include/apns.h is stale; regenerate it with:" >&2
    echo "  cbindgen --config ffi/cbindgen.toml --crate apnspush-ffi --output include/apns.h ffi" >&2
    exit 1
fi

step "the header compiles on its own as C99 and C++"
gcc "${CFLAGS[@]}" tests/c/header_alone.c "${LINK[@]}" -o "$WORK/header_alone"
g++ "${CXXFLAGS[@]}" tests/c/header_alone.cpp "${LINK[@]}" -o "$WORK/header_alone_cpp"
"$WORK/header_alone" && "$WORK/header_alone_cpp"

step "version macros match the library and the workspace version"
WORKSPACE_VERSION="$(sed -n '/^\[workspace.package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' Cargo.toml)"
gcc "${CFLAGS[@]}" tests/c/version.c "${LINK[@]}" -o "$WORK/version"
HEADER_VERSION="$("$WORK/version")"
if [ "$HEADER_VERSION" != "$WORKSPACE_VERSION" ]; then
    echo "test-c: apns.h says $HEADER_VERSION, Cargo.toml says $WORKSPACE_VERSION" >&2
    exit 1
fi

step "the library exports exactly the functions the header declares"
grep -E '^[A-Za-z].*\bapns_[a-z0-9_]+\(' include/apns.h | grep -v '^typedef' \
    | sed -E 's/.*\b(apns_[a-z0-9_]+)\(.*/\1/' | sort -u > "$WORK/declared"
nm -D --defined-only "$LIB/libapnspush.so" | awk '{print $3}' | grep '^apns_' | sort -u \
    > "$WORK/exported"
diff -u "$WORK/declared" "$WORK/exported"
echo "$(wc -l < "$WORK/declared") functions declared and exported"

step "tests/c/null_args.c calls every declared function"
missing=""
while read -r fn; do
    grep -qE "\b$fn\(" tests/c/null_args.c || missing="$missing $fn"
done < "$WORK/declared"
if [ -n "$missing" ]; then
    echo "test-c: tests/c/null_args.c does not call:$missing" >&2
    exit 1
fi

PROGRAMS=(null_args api scenario_b scenario_c scenario_f secrets logging proxy channels)

step "C tests under valgrind (memcheck, full leak check; tests/c/valgrind.supp explains each suppression)"
for t in "${PROGRAMS[@]}"; do
    gcc "${CFLAGS[@]}" "tests/c/$t.c" "${LINK[@]}" -o "$WORK/$t"
    timeout 1200 valgrind -q --error-exitcode=1 --leak-check=full \
        --errors-for-leak-kinds=definite,possible --suppressions=tests/c/valgrind.supp "$WORK/$t"
done

step "C tests under ASan/UBSan"
for t in "${PROGRAMS[@]}"; do
    gcc "${CFLAGS[@]}" -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
        "tests/c/$t.c" "${LINK[@]}" -o "$WORK/$t.asan"
    ASAN_OPTIONS=detect_leaks=1 timeout 600 "$WORK/$t.asan" >/dev/null
done
echo "${#PROGRAMS[@]} programs passed under ASan/UBSan"

step "static link (libapnspush.a)"
gcc "${CFLAGS[@]}" tests/c/api.c "$LIB/libapnspush.a" -lgcc_s -lutil -lrt -lpthread -lm -ldl \
    -o "$WORK/api_static"
"$WORK/api_static"

step "scripts/install-c.sh into a temporary prefix; build examples/c/demo.c with pkg-config"
bash scripts/install-c.sh "$WORK/prefix" >/dev/null
export PKG_CONFIG_PATH="$WORK/prefix/lib/pkgconfig"
[ "$(pkg-config --modversion apnspush)" = "$WORKSPACE_VERSION" ]
# shellcheck disable=SC2046 # pkg-config output is a list of flags
cc -std=c99 -Wall -Wextra -Wpedantic -Werror examples/c/demo.c \
    $(pkg-config --cflags --libs apnspush) -o "$WORK/demo"
LD_LIBRARY_PATH="$WORK/prefix/lib" "$WORK/demo" > "$WORK/demo.out"
grep -q "outcomes: accepted=9995 rejected=5" "$WORK/demo.out"
[ "$(grep -c '^  rejected #' "$WORK/demo.out")" -eq 5 ]
# shellcheck disable=SC2046
cc -std=c99 examples/c/demo.c $(pkg-config --cflags apnspush) \
    -L"$WORK/prefix/lib" -Wl,-Bstatic -lapnspush -Wl,-Bdynamic \
    $(pkg-config --static --libs-only-l apnspush | sed 's/-lapnspush//') -o "$WORK/demo_static"
"$WORK/demo_static" > /dev/null
head -n 2 "$WORK/demo.out"

step "examples/c/redis_producer.c (hiredis): 1,000 notifications through a real redis-server and \`apnspush worker\`"
gcc "${CFLAGS[@]}" examples/c/redis_producer.c -lhiredis -o "$WORK/redis_producer"
REDIS_BAD=(17 234 432 777 999)
rules=()
for i in "${REDIS_BAD[@]}"; do
    rules+=(--reject-http2 "$(printf '5a%.0s' $(seq 24))$(printf '%016x' "$i"):400:BadDeviceToken")
done
bash scripts/with-redis-worker.sh "${rules[@]}" -- \
    timeout 300 valgrind -q --error-exitcode=1 --leak-check=full "$WORK/redis_producer" 1000 \
    > "$WORK/redis_producer.out"
cat "$WORK/redis_producer.out"
grep -qx 'outcomes: 1000 (accepted=995 rejected=5 other=0), each ref once' "$WORK/redis_producer.out"
for i in "${REDIS_BAD[@]}"; do
    grep -qx "  rejected ref $i token $(printf '5a%.0s' $(seq 24))$(printf '%016x' "$i") status 400 BadDeviceToken" \
        "$WORK/redis_producer.out"
done
[ "$(grep -c '^  ' "$WORK/redis_producer.out")" -eq 5 ]
grep -qx 'with-redis-worker: worker exit 0, outcomes 1000, dead letters 0, pending 0, mock accepted 995' \
    "$WORK/redis_producer.out"

echo "test-c: all C API checks passed (${#PROGRAMS[@]} test programs under valgrind and ASan/UBSan, header fresh, $(wc -l < "$WORK/declared") functions, demo via pkg-config, redis producer 1000 outcomes)"
