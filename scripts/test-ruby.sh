#!/usr/bin/env bash
# Builds libapnspush (release; cargo skips it when up to date), runs the Ruby gem's minitest
# suites (bindings/ruby/test), builds the gem, installs it into a temporary GEM_HOME (no
# network) and runs a smoke test from there, then runs the Ruby demo against the built-in mock.
# Run scripts/deps-ruby.sh first. APNSPUSH_LIB=/abs/path/libapnspush.so tests another build.
# Leaves nothing in the checkout (the .gem and the GEM_HOME live in a temporary directory).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet --release -p apnspush-ffi
target_dir="$(cargo metadata --format-version 1 --no-deps | ruby -rjson -e 'print JSON.parse($stdin.read)["target_directory"]')"
lib="${APNSPUSH_LIB:-$target_dir/release/libapnspush.so}"
# The gem finds the checkout's target/release by itself; another CARGO_TARGET_DIR is named.
if [ "$lib" != "$PWD/target/release/libapnspush.so" ]; then export APNSPUSH_LIB="$lib"; fi

for suite in bindings/ruby/test/test_*.rb; do
    echo "== $suite"
    ruby "$suite"
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd bindings/ruby && gem build --quiet apnspush.gemspec --output "$tmp/apnspush.gem" 2>/dev/null)
GEM_HOME="$tmp/gems" gem install --local --no-document --quiet "$tmp/apnspush.gem"
(cd "$tmp" && env -u APNSPUSH_LIB GEM_HOME="$tmp/gems" LD_LIBRARY_PATH="$(dirname "$lib")" \
    ruby "$OLDPWD/bindings/ruby/test/smoke_installed.rb")

demo_output=$(ruby examples/ruby/demo.rb)
echo "$demo_output"
# The demo pushes 10,000 (BATCH) with 5 bad tokens (BAD): the mock must have recorded exactly
# that, and the pusher must have reported exactly those 5 as rejected with status 8.
grep -q '^BATCH = 10_000$' examples/ruby/demo.rb
grep -q '^BAD = \[17, 1_234, 4_321, 7_777, 9_999\]\.freeze$' examples/ruby/demo.rb
grep -q '^pushed 10000 notifications (5 with bad tokens) in ' <<<"$demo_output"
grep -q '^mock recorded 9995 accepted, 5 rejected$' <<<"$demo_output"
# Each "  rejected #INDEX token HEX status 8 (...)" line: the token is the one made from INDEX.
grep -E '^  (rejected|failed|expired|cancelled) ' <<<"$demo_output" | ruby -e '
  lines = $stdin.readlines
  got = lines.map { |l| l[/\A  rejected #(\d+) +token (\h{64}) status 8 /] && [$1.to_i, $2] }
  want = [17, 1_234, 4_321, 7_777, 9_999].map { |i| [i, ("5a" * 24) + format("%016x", i)] }
  abort "demo: not-accepted outcomes #{lines.inspect}" unless got.sort_by(&:to_s) == want.sort_by(&:to_s)'

grep -q '"pushed":10000,' <<<"$demo_output"
echo "test-ruby: ok"
