# frozen_string_literal: true

# The producer helpers (apnspush/redis_queue) with the redis gem against a real redis-server on
# a free loopback port and the `apnspush worker` binary pushing to the HTTP/2 mock
# (`apnspush mock --http2`): 1,000 notifications (some to tokens the mock rejects) in, exactly
# 1,000 outcomes out, each ref once, the bad ones rejected with the mock's reason; an invalid one
# lands in the dead letters. Needs redis-server (scripts/deps-redis.sh) and ruby-redis
# (scripts/deps-ruby.sh).
# Run: ruby bindings/ruby/test/test_redis_queue.rb

require "minitest/autorun"
require "json"
require "open3"
require "socket"
require "tmpdir"
require "fileutils"
require "timeout"
require "redis"
$LOAD_PATH.unshift File.expand_path("../lib", __dir__)
require "apnspush/redis_queue"

class TestRedisQueue < Minitest::Test
  Q = Apnspush::RedisQueue
  ROOT = File.expand_path("../../..", __dir__)
  BAD = (0...1000).select { |i| i % 97 == 5 }.freeze

  def token(index)
    ("5a" * 24) + format("%016x", index)
  end

  # The command-line binary, built (or found up to date) by cargo in release.
  def apnspush_binary
    out, status = Open3.capture2("cargo", "build", "--locked", "--release", "-p", "apnspush-cli",
                                 "--message-format=json-render-diagnostics", chdir: ROOT)
    assert status.success?, "cargo build failed"
    out.each_line do |line|
      msg = JSON.parse(line)
      if msg["reason"] == "compiler-artifact" && msg["executable"] && msg.dig("target", "name") == "apnspush"
        return msg["executable"]
      end
    end
    flunk "cargo built no apnspush binary"
  end

  def free_port
    server = TCPServer.new("127.0.0.1", 0)
    server.addr[1]
  ensure
    server&.close
  end

  def setup
    @dir = Dir.mktmpdir("apnspush-redis-")
    @port = free_port
    @redis_pid = Process.spawn("redis-server", "--port", @port.to_s, "--bind", "127.0.0.1",
                               "--save", "", "--appendonly", "no", "--dir", @dir, out: File::NULL)
    @redis = Redis.new(host: "127.0.0.1", port: @port)
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + 20
    begin
      @redis.ping
    rescue Redis::CannotConnectError
      raise "redis-server did not start" if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline

      sleep 0.02
      retry
    end
  end

  def teardown
    @redis&.close
    Process.kill("KILL", @redis_pid)
    Process.wait(@redis_pid)
    FileUtils.rm_rf(@dir)
  end

  def test_a_producer_gets_exactly_one_outcome_per_notification
    binary = apnspush_binary
    rejects = BAD.flat_map { |i| ["--reject-http2", "#{token(i)}:400:BadDeviceToken"] }
    # The mock serves until its stdin closes, then prints what it recorded.
    mock_in, mock_out, mock_thread = Open3.popen2(binary, "mock", "--http2", *rejects)
    config = File.join(@dir, "mock.json")
    File.write(config, mock_out.gets)
    worker_err = File.join(@dir, "worker.err")
    worker = Process.spawn(binary, "worker", "--redis", "redis://127.0.0.1:#{@port}",
                           "--config", config, out: File::NULL, err: worker_err)

    note = ->(i) { { ref: { order: i }, token: token(i), alert: "n#{i}", topic: "com.example" } }
    ids = [Q.enqueue(@redis, note.call(0))] + Q.enqueue_many(@redis, (1...1000).map(&note), batch: 300)
    dead = Q.enqueue(@redis, { "token" => "zz", "alert" => "x" })
    assert_equal 1000, ids.uniq.size

    outcomes = []
    after = "0-0"
    Timeout.timeout(240) do
      while outcomes.size < 1000
        assert_nil Process.wait(worker, Process::WNOHANG), "the worker exited: #{File.read(worker_err)}"
        page = Q.read_outcomes(@redis, after: after, count: 300, block_ms: 1000)
        outcomes.concat(page.map(&:last))
        after = page.last.first unless page.empty?
      end
    end
    assert_equal 1000, outcomes.size

    Process.kill("TERM", worker)
    _, status = Timeout.timeout(60) { Process.wait2(worker) }
    worker = nil
    assert_equal 0, status.exitstatus, File.read(worker_err)
    assert_empty Q.read_outcomes(@redis, after: after), "an outcome past the 1,000th"
    mock_in.close
    summary = JSON.parse(mock_out.read.lines.last)
    mock_thread.value
    assert_equal 1000 - BAD.size, summary["accepted"]

    by_entry = outcomes.to_h { |o| [o.entry, o] }
    assert_equal 1000, by_entry.size
    assert_equal (0...1000).to_a, outcomes.map { |o| o.ref["order"] }.sort, "each ref once"
    ids.each_with_index do |entry, i|
      o = by_entry.fetch(entry)
      assert_equal({ "order" => i }, o.ref)
      assert_equal token(i), o.token
      assert_nil o.channel_id
      assert_equal 1, o.attempts
      refute o.duplicate_possible?
      refute_empty o.worker
      if BAD.include?(i)
        assert_equal [:rejected, 400, "BadDeviceToken"], [o.kind, o.status, o.reason]
      else
        assert_equal [:accepted, 200, ""], [o.kind, o.status, o.reason]
        assert_equal 36, o.apns_id.size
      end
    end

    letters = Q.read_dead_letters(@redis)
    assert_equal [dead], letters.map { |_, d| d.entry }
    assert_match(/hex/, letters[0][1].reason)
    assert_equal '{"token":"zz","alert":"x"}', letters[0][1].n
    assert_equal 0, @redis.xpending(Q::NOTIFICATIONS, "apnspush")["size"]
  ensure
    if worker
      Process.kill("KILL", worker)
      Process.wait(worker)
    end
    mock_in&.close unless mock_in&.closed?
  end

  def test_require_apnspush_does_not_load_the_queue_or_redis
    lib = File.expand_path("../lib", __dir__)
    out, status = Open3.capture2("ruby", "-I", lib, "-e",
                                 'require "apnspush"; print [defined?(Apnspush::RedisQueue), defined?(::Redis)].inspect')
    assert status.success?
    assert_equal "[nil, nil]", out
  end

  def test_enqueue_refuses_a_notification_without_a_target
    error = assert_raises(ArgumentError) { Q.enqueue(@redis, { alert: "x" }) }
    assert_match(/token or channel_id/, error.message)
    assert_raises(ArgumentError) { Q.enqueue(@redis, "not a hash") }
    assert_raises(ArgumentError) { Q.enqueue_many(@redis, [{ token: token(1) }, { alert: "x" }]) }
    refute @redis.exists?(Q::NOTIFICATIONS)
  end
end
