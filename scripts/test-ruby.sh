#!/usr/bin/env bash
# Builds libapnspush (release; cargo skips it when up to date), then runs the Ruby minitest suite
# and the Ruby demo against the built-in mock. Run scripts/deps-ruby.sh first.
# APNSPUSH_LIB=/abs/path/libapnspush.so tests another build of the library.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet --release -p apnspush-ffi
ruby examples/ruby/test/test_apnspush.rb
ruby examples/ruby/test/test_secrets.rb

demo_output=$(ruby examples/ruby/demo.rb)
echo "$demo_output"
# The demo pushes 10,000 with 5 bad tokens: the mock must have recorded exactly that.
grep -q '^mock recorded 9995 accepted, 5 rejected$' <<<"$demo_output"
[ "$(grep -c ' rejected #.* status 8 ' <<<"$demo_output")" -eq 5 ]
echo "test-ruby: ok"
