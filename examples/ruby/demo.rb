# frozen_string_literal: true

# The demo: start the built-in mock APNs server, push a batch with a few bad tokens through a
# pusher, wait for every verdict, and print the outcomes that are not accepted and the stats.
#
# Run: ruby examples/ruby/demo.rb   (after `cargo build --release -p apnspush-ffi`)

require_relative "../../bindings/ruby/lib/apnspush"

BATCH = 10_000
BAD = [17, 1_234, 4_321, 7_777, 9_999].freeze

def token(index)
  ("5a" * 24) + format("%016x", index)
end

# The mock answers the bad tokens with status 8 (invalid token), like Apple.
Apnspush::MockServer.open(reject: BAD.to_h { |i| [token(i), 8] }) do |mock|
  puts "mock APNs gateway on #{mock.host}:#{mock.port}"
  # Nobody polls outcome reports here: failed_notifications is all the demo reads.
  config = mock.config.merge(connections: 2, outcome_reports: "none")
  Apnspush::Pusher.open(config) do |pusher|
    start = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    pusher.ensure_delivery(timeout: 60) do
      BATCH.times do |i|
        pusher.push!(Apnspush::Notification.new(token: token(i),
                                                alert: { title: "apnspush demo", body: "notification #{i}" },
                                                badge: 1, user_data: i))
      end
    end
    elapsed = Process.clock_gettime(Process::CLOCK_MONOTONIC) - start

    puts format("pushed %d notifications (%d with bad tokens) in %.2fs", BATCH, BAD.size, elapsed)
    pusher.failed_notifications.each do |o|
      puts format("  %s #%-5d token %s status %d (%s)", o.kind, o.user_data, o.token, o.status, o.reason)
    end
    puts "mock recorded #{mock.accepted_count} accepted, #{mock.rejected.size} rejected"
    puts "stats: #{JSON.generate(pusher.stats)}"
  end
end
