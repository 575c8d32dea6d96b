# frozen_string_literal: true

# The Ruby wrapper against the built-in mock: every assertion checks the mock's record and the
# outcomes the pusher reported. Run: ruby bindings/ruby/test/test_apnspush.rb

require "minitest/autorun"
require "socket"
require_relative "../lib/apnspush"
require_relative "mock_helpers"

class TestApnspush < Minitest::Test
  include MockHelpers

  def test_bad_tokens_are_exactly_the_failed_notifications_and_the_rest_reach_the_mock
    total = 2_000
    bad = [3, 499, 1_000, 1_501, 1_999]
    start({ reject: bad.to_h { |i| [token(i), 8] } }, { connections: 2, outcome_reports: "none" })

    ids = {}
    @pusher.ensure_delivery(timeout: 60) do
      total.times do |i|
        ids[@pusher.push!(Apnspush::Notification.new(token: token(i), alert: "n#{i}", user_data: i))] = i
      end
    end

    assert_equal total, ids.size, "every push! returns a distinct id"
    failed = @pusher.failed_notifications
    assert_equal bad.map { |i| token(i) }.sort, failed.map(&:token_hex).sort
    failed.each do |o|
      assert_equal :rejected, o.kind
      assert_equal 8, o.status
      assert_equal ids.fetch(o.id), o.user_data
    end
    assert_empty @pusher.failed_notifications, "failed_notifications drains"

    good = (0...total).reject { |i| bad.include?(i) }.map { |i| token(i) }
    assert_equal total - bad.size, @mock.accepted_count
    assert_equal good.sort, @mock.accepted.map { |a| a[:token] }.uniq.sort, "none lost"
    assert_equal bad.map { |i| [token(i), 8] }.sort, @mock.rejected.map { |r| [r[:token], r[:status]] }.sort
    stats = @pusher.stats
    assert_equal total, stats[:pushed]
    assert_equal total - bad.size, stats[:accepted]
    assert_equal bad.size, stats[:rejected]
    assert_equal 0, stats[:failed]
  end

  def test_dropped_connections_lose_nothing
    total = 2_000
    start({ drop_after: 300 }, { outcome_reports: "all" })
    ids = @pusher.ensure_delivery(timeout: 60) do
      Array.new(total) { |i| @pusher.push!(token: token(i), payload: { aps: { alert: "n#{i}" } }) }
    end

    outcomes = @pusher.poll
    assert_equal ids.sort, outcomes.map(&:id).sort, "exactly one outcome per notification"
    assert(outcomes.all?(&:accepted?))
    assert_empty @pusher.failed_notifications
    assert_equal (0...total).map { |i| token(i) }.sort, @mock.accepted.map { |a| a[:token] }.uniq.sort
    assert_operator @mock.connections, :>, 1, "the mock dropped connections"
    assert_operator @mock.accepted_count - total, :<=, @pusher.stats[:duplicates_possible]
  end

  def test_ensure_delivery_block_form_waits_after_the_block_and_returns_its_value
    start
    value = @pusher.ensure_delivery(timeout: 30) do |pusher|
      assert_same @pusher, pusher
      50.times { |i| pusher.push!(token: token(i), alert: { title: "t", body: "b#{i}" }, badge: i) }
      :done
    end

    assert_equal :done, value
    # No wait_accepted here: the block form returned only after every outcome was in.
    assert_equal 50, @mock.accepted_count
    assert_equal 50, @pusher.stats[:accepted]
    payload = JSON.parse(@mock.accepted.find { |a| a[:token] == token(7) }.fetch(:payload))
    assert_equal({ "title" => "t", "body" => "b7" }, payload.dig("aps", "alert"))
    assert_equal 7, payload.dig("aps", "badge")
  end

  def test_ensure_delivery_without_a_block_just_waits
    start
    10.times { |i| @pusher.push!(token: token(i), alert: "x") }
    assert_nil @pusher.ensure_delivery(timeout: 30)
    assert_equal 10, @mock.accepted_count
  end

  def test_ensure_push_returns_the_outcome
    start(reject: { token(2) => 8 })
    ok = @pusher.ensure_push(Apnspush::Notification.new(token: token(1), sound: "ping.aiff",
                                                        custom: { "acme" => { "n" => 1 } }),
                             timeout: 30)
    bad = @pusher.ensure_push({ token: token(2), alert: "x" }, timeout: 30)

    assert_equal :accepted, ok.kind
    assert_nil ok.error
    assert_equal [:rejected, 8, token(2)], [bad.kind, bad.status, bad.token_hex]
    recorded = JSON.parse(@mock.accepted.fetch(0).fetch(:payload))
    assert_equal({ "n" => 1 }, recorded["acme"])
    assert_equal "ping.aiff", recorded.dig("aps", "sound")
    assert_equal [[token(2), 8]], @mock.rejected.map { |r| [r[:token], r[:status]] }
  end

  def test_push_waits_until_written
    start
    id = @pusher.push({ token: token(1), alert: "x" }, timeout: 30)
    assert_equal 1, id
    assert @mock.wait_accepted(1, timeout: 30)
    assert_equal [token(1)], @mock.accepted.map { |a| a[:token] }
  end

  def test_invalid_notifications_raise_the_matching_error_and_queue_nothing
    start
    cases = {
      Apnspush::BadTokenError => { token: "not hex", alert: "x" },
      Apnspush::InvalidJsonError => { token: token(1), payload: "{not json" },
      Apnspush::PayloadTooLargeError => { token: token(1), alert: "x" * 5_000 }
    }
    cases.each do |klass, fields|
      error = assert_raises(klass) { @pusher.push!(fields) }
      assert_kind_of Apnspush::InputError, error
      assert_equal "APNS_ERR_#{klass.name.split('::').last.delete_suffix('Error').gsub(/(?<=.)([A-Z])/, '_\1').upcase}",
                   error.code
    end
    assert_raises(Apnspush::InvalidArgumentError) { @pusher.push!(token: token(1), alert: { subtitle: "s" }) }
    assert_equal 0, @pusher.stats[:pushed]
    @pusher.ensure_delivery(timeout: 10)
    assert_equal 0, @mock.accepted_count
  end

  def test_bad_configuration_raises_config_errors
    @mock = Apnspush::MockServer.new
    error = assert_raises(Apnspush::UnknownConfigKeyError) { Apnspush::Pusher.new(@mock.config.merge(colour: "red")) }
    assert_equal "APNS_ERR_UNKNOWN_CONFIG_KEY", error.code
    assert_match(/colour/, error.message)
    error = assert_raises(Apnspush::InvalidConfigValueError) do
      Apnspush::Pusher.new(@mock.config.merge(connections: "many"))
    end
    assert_kind_of Apnspush::ConfigError, error
    assert_equal 0, @mock.connections
  end

  def test_nothing_listening_raises_connect_error
    port = TCPServer.open("127.0.0.1", 0) { |server| server.addr[1] }
    error = assert_raises(Apnspush::ConnectError) do
      Apnspush::Pusher.new(protocol: "binary", host: "127.0.0.1", port: port, connect_timeout_ms: 2_000)
    end
    assert_equal "APNS_ERR_CONNECT", error.code
  end

  def test_close_then_push_raises_closed_and_destroy_frees
    start
    @pusher.push!(token: token(1), alert: "x")
    summary = @pusher.close(timeout: 10)
    assert_equal({ cancelled: 0, unconfirmed: 0 }, summary)
    assert_equal 1, @mock.accepted_count
    assert_raises(Apnspush::ClosedError) { @pusher.push!(token: token(2), alert: "x") }
    @pusher.destroy
    assert @pusher.destroyed?
    assert_raises(Apnspush::ClosedError) { @pusher.stats }
  end
end
