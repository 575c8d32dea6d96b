#!/usr/bin/env bash
# Installs the C API: libapnspush.so and libapnspush.a into PREFIX/lib, apns.h into
# PREFIX/include and apnspush.pc into PREFIX/lib/pkgconfig, so that
#   cc app.c $(pkg-config --cflags --libs apnspush)
# works (set PKG_CONFIG_PATH=PREFIX/lib/pkgconfig for a prefix pkg-config does not search).
# Usage: scripts/install-c.sh [PREFIX]   (default /usr/local). Builds the release library first.
set -euo pipefail
cd "$(dirname "$0")/.."

PREFIX="${1:-/usr/local}"
case "$PREFIX" in /*) ;; *) PREFIX="$PWD/$PREFIX" ;; esac
VERSION="$(sed -n '/^\[workspace.package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' Cargo.toml)"
[ -n "$VERSION" ] || { echo "install-c: no workspace version in Cargo.toml" >&2; exit 1; }

cargo build --quiet --release -p apnspush-ffi
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"

install -d "$PREFIX/lib/pkgconfig" "$PREFIX/include"
install -m 755 "$TARGET_DIR/release/libapnspush.so" "$PREFIX/lib/libapnspush.so"
install -m 644 "$TARGET_DIR/release/libapnspush.a" "$PREFIX/lib/libapnspush.a"
install -m 644 include/apns.h "$PREFIX/include/apns.h"
sed -e "s|@PREFIX@|$PREFIX|g" -e "s|@VERSION@|$VERSION|g" ffi/apnspush.pc.in \
    > "$PREFIX/lib/pkgconfig/apnspush.pc"
chmod 644 "$PREFIX/lib/pkgconfig/apnspush.pc"

# Refresh the run-time linker cache when installing system-wide as root.
if [ "$(id -u)" -eq 0 ] && command -v ldconfig >/dev/null 2>&1 \
    && ldconfig -v -N 2>/dev/null | grep -q "^$PREFIX/lib:"; then
    ldconfig
fi
echo "install-c: apnspush $VERSION installed into $PREFIX (lib, include, lib/pkgconfig)"
