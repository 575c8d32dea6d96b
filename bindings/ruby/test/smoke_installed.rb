# frozen_string_literal: true

# Run by scripts/test-ruby.sh against the gem installed into a temporary GEM_HOME (not from
# this checkout): `require "apnspush"` must come from that GEM_HOME and find libapnspush through
# the system loader; then one batch through the mock must reach it as pushed.
# Usage: GEM_HOME=<dir> LD_LIBRARY_PATH=<dir of libapnspush.so> ruby smoke_installed.rb

require "apnspush"

def check(condition, what)
  raise "smoke: #{what}" unless condition
end

gem_path = Gem.loaded_specs.fetch("apnspush").full_gem_path
check(gem_path.start_with?(ENV.fetch("GEM_HOME")), "the gem is loaded from GEM_HOME (#{gem_path})")
check($LOADED_FEATURES.grep(%r{/apnspush\.rb\z}).all? { |f| f.start_with?(gem_path) }, "nothing from the checkout")
check(Apnspush.library_path == "libapnspush.so", "the system loader found the library (#{Apnspush.library_path})")
check(Apnspush.version == Apnspush::VERSION, "gem #{Apnspush::VERSION} matches library #{Apnspush.version}")

tokens = Array.new(100) { |i| ("5a" * 24) + format("%016x", i) }
Apnspush::MockServer.open(reject: { tokens[42] => 8 }) do |mock|
  Apnspush::Pusher.open(mock.config.merge(outcome_reports: "none")) do |pusher|
    pusher.ensure_delivery(timeout: 60) { tokens.each { |t| pusher.push!(token: t, alert: "smoke") } }
    failed = pusher.failed_notifications.map { |o| [o.kind, o.status, o.token] }
    check(failed == [[:rejected, 8, tokens[42]]], "one rejection reported (#{failed})")
    check(mock.accepted.map { |a| a[:token] }.sort == (tokens - [tokens[42]]).sort, "the mock accepted the other 99")
    check(mock.rejected.map { |r| [r[:token], r[:status]] } == [[tokens[42], 8]], "the mock rejected one")
  end
end
puts "smoke: apnspush #{Apnspush::VERSION} from #{gem_path}: 99 accepted, 1 rejected"
