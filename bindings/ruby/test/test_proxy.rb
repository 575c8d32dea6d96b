# frozen_string_literal: true

# The `proxy` config key through the Ruby face, against a real HTTP CONNECT proxy (tinyproxy,
# started by tests/proxy/tinyproxy.sh with BasicAuth) and the HTTP/2 mock.
# Run: ruby bindings/ruby/test/test_proxy.rb

require "minitest/autorun"
require_relative "../lib/apnspush"

class TestProxy < Minitest::Test
  HELPER = File.expand_path("../../../tests/proxy/tinyproxy.sh", __dir__)
  TOTAL = 500
  BAD = [123, 456].freeze
  WRONG = "wrong-pw-0451"

  def token(index)
    ("5a" * 24) + format("%016x", index)
  end

  def setup
    @helper = IO.popen(["bash", HELPER, "user", "secret"], "r+")
    line = @helper.gets.to_s.split
    flunk "tests/proxy/tinyproxy.sh: #{line.join(' ').then { |l| l.empty? ? 'no output' : l }}" unless line[0] =~ /\A\d+\z/
    @port = Integer(line[0])
    @log = line[1]
  end

  def teardown
    @pusher&.destroy
    @mock&.destroy
    Process.kill("TERM", @helper.pid)
    @helper.close
  end

  def test_pushes_go_through_the_proxy_and_a_wrong_password_is_a_credentials_error
    @mock = Apnspush::MockServer.new(protocol: "http2",
                                     reject_http2: BAD.to_h { |i| [token(i), [400, "BadDeviceToken"]] })
    @pusher = Apnspush::Pusher.new(@mock.config.merge(proxy: "http://user:secret@127.0.0.1:#{@port}"))
    ids = {}
    @pusher.ensure_delivery(timeout: 120) do
      TOTAL.times do |i|
        ids[@pusher.push!(Apnspush::Notification.new(token: token(i), alert: "n#{i}", user_data: i))] = i
      end
    end
    outcomes = @pusher.poll
    assert_equal ids.keys.sort, outcomes.map(&:id).sort, "one outcome per notification"
    assert_equal({ accepted: TOTAL - BAD.size, rejected: BAD.size }, outcomes.map(&:kind).tally)
    rejected = outcomes.reject { |o| o.kind == :accepted }
    assert_equal BAD, rejected.map { |o| ids.fetch(o.id) }.sort
    assert(rejected.all? { |o| o.status == 400 && o.reason == "BadDeviceToken" })

    good = (0...TOTAL).reject { |i| BAD.include?(i) }.map { |i| token(i) }
    assert_equal good.sort, @mock.accepted.map { |a| a[:token] }.sort, "each accepted one exactly once"
    assert_equal BAD.map { |i| token(i) }, @mock.rejected.map { |r| r[:token] }.sort
    connect = "CONNECT 127.0.0.1:#{@mock.port} HTTP/1.1"
    refute_empty File.readlines(@log, chomp: true).select { |l| l.end_with?(connect) },
                 "tinyproxy logged no CONNECT to the mock"

    e = assert_raises(Apnspush::CredentialsError) do
      Apnspush::Pusher.new(@mock.config.merge(proxy: "http://user:#{WRONG}@127.0.0.1:#{@port}"))
    end
    assert_includes e.message, "refused the credentials"
    refute e.message.include?(WRONG) || e.message.include?("secret"), "the message quotes a password"
  end
end
