#!/usr/bin/env bash
# Installs what the Erlang application (bindings/erlang) needs from Debian packages (hex is not
# used): the runtime and erlc (erlang-base), erl_nif.h (erlang-dev), EUnit (erlang-eunit),
# rebar3, plus gcc for the NIF. Idempotent and quiet.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO=sudo; fi

missing=()
for pkg in erlang-base erlang-dev erlang-eunit rebar3 gcc libc6-dev; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
otp=$(erl -noshell -eval 'io:format("~s", [erlang:system_info(otp_release)]), halt().')
echo "deps-erlang: OTP $otp, $(rebar3 version | cut -d' ' -f1-2), erl_nif.h in $(erl -noshell -eval 'io:format("~s", [filename:join([code:root_dir(), "usr", "include"])]), halt().')"
