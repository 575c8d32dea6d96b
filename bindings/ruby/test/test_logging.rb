# frozen_string_literal: true

# The engine's log records reach Apnspush.logger on the Ruby thread that calls the gem, at the
# level asked for, with the record's target as progname; device tokens only as a prefix; a
# failing Logger never fails a push; nil turns logging off.
# Run: ruby bindings/ruby/test/test_logging.rb

require "minitest/autorun"
require "logger"
require "stringio"
require_relative "../lib/apnspush"
require_relative "mock_helpers"

class TestLogging < Minitest::Test
  include MockHelpers

  # A Logger look-alike that keeps every record and the thread it arrived on.
  class RecordingLogger
    Record = Struct.new(:severity, :message, :progname, :thread)
    attr_accessor :level
    attr_reader :records

    def initialize(level)
      @level = level
      @records = []
    end

    def add(severity, message = nil, progname = nil)
      @records << Record.new(severity, message, progname, Thread.current)
      true
    end
  end

  def teardown
    super
    Apnspush.logger = nil
    Apnspush.log_level = nil
  end

  # Serves records until the block is true; the deadline only catches a hang.
  def serve_until(what)
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + 60
    until yield
      flunk "no log record: #{what}" if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline
      Apnspush.log_poll
      sleep 0.01
    end
  end

  def test_records_reach_the_logger_on_the_calling_ruby_thread_with_their_target
    logger = RecordingLogger.new(Logger::INFO)
    Apnspush.logger = logger
    assert_equal :info, Apnspush::Logging.effective_level
    start({}, connections: 2)
    connected = -> { logger.records.select { |r| r.message.include?("connected to 127.0.0.1:#{@mock.port}") } }
    serve_until("two connects") { connected.call.size == 2 }

    assert_equal [[Logger::INFO, "apnspush::binary"]] * 2, connected.call.map { |r| [r.severity, r.progname] }
    assert_equal [Thread.current], logger.records.map(&:thread).uniq, "only on the thread that called the gem"
    refute(logger.records.any? { |r| r.severity == Logger::DEBUG }, "nothing below the Logger's level")
  end

  def test_a_standard_logger_gets_severity_target_and_the_token_only_as_a_prefix
    io = StringIO.new
    Apnspush.logger = Logger.new(io, level: Logger::DEBUG)
    assert_equal :debug, Apnspush::Logging.effective_level
    start(reject: { token(2) => 8 })
    bad = @pusher.ensure_push({ token: token(2), alert: "x" }, timeout: 30)
    assert_equal :rejected, bad.kind
    serve_until("the rejection") { io.string.include?("notification #{bad.id} (token 5a5a5a5a…) rejected") }

    assert_match(/^D, \[.*\] DEBUG -- apnspush::outcome: notification #{bad.id} \(token 5a5a5a5a…\) rejected/, io.string)
    assert_match(/ INFO -- apnspush::binary: slot 0: error-response status 8/, io.string)
    refute_includes io.string, token(2), "never a whole device token"
    refute_includes io.string, '"alert"', "never a payload"
  end

  def test_the_level_filters_and_trace_adds_accepted_notifications
    logger = RecordingLogger.new(Logger::WARN)
    Apnspush.logger = logger
    start(reject: { token(2) => 8 })
    bad = @pusher.ensure_push({ token: token(2), alert: "x" }, timeout: 30)
    @pusher.ensure_delivery(timeout: 30)
    Apnspush.log_poll
    assert_empty logger.records.reject { |r| r.severity >= Logger::WARN }, "WARN logger: nothing below warn"
    refute(logger.records.any? { |r| r.message.include?("notification #{bad.id} ") })

    Apnspush.log_level = :trace
    assert_equal :trace, Apnspush::Logging.effective_level
    ok = @pusher.ensure_push({ token: token(3), alert: "x" }, timeout: 30)
    serve_until("the accepted notification") do
      logger.records.any? { |r| r.progname == "apnspush::outcome" && r.message.include?("notification #{ok.id} ") }
    end
    record = logger.records.find { |r| r.message.include?("notification #{ok.id} ") }
    assert_equal Logger::DEBUG, record.severity, "trace records arrive as DEBUG"
    assert_includes record.message, "accepted"

    assert_raises(Apnspush::InvalidArgumentError) { Apnspush.log_level = :verbose }
    assert_equal :trace, Apnspush.log_level
  end

  def test_nil_turns_logging_off
    logger = RecordingLogger.new(Logger::DEBUG)
    Apnspush.logger = logger
    Apnspush.log_level = :trace
    start
    @pusher.ensure_push({ token: token(1), alert: "x" }, timeout: 30)
    serve_until("some record") { !logger.records.empty? }

    Apnspush.logger = nil
    assert_equal :off, Apnspush::Logging.effective_level
    count = logger.records.size
    @pusher.ensure_push({ token: token(2), alert: "x" }, timeout: 30)
    @pusher.close(timeout: 10)
    assert_equal 0, Apnspush.log_poll
    assert_equal count, logger.records.size
  end

  def test_a_failing_logger_never_fails_a_push_and_log_poll_raises_its_error_once
    failing = Class.new(RecordingLogger) do
      def add(*)
        super
        raise IOError, "disk full"
      end
    end
    logger = failing.new(Logger::DEBUG)
    Apnspush.logger = logger
    start
    outcome = @pusher.ensure_push({ token: token(1), alert: "x" }, timeout: 30)
    assert_equal :accepted, outcome.kind
    assert_equal 1, @mock.accepted_count
    @pusher.push!(token: token(2), alert: "x")
    @pusher.ensure_delivery(timeout: 30)
    assert_equal 2, @mock.accepted_count

    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + 60
    error = nil
    while error.nil?
      flunk "the Logger was never called" if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline
      begin
        Apnspush.log_poll
      rescue IOError => e
        error = e
      end
    end
    assert_equal "disk full", error.message
    Apnspush.logger = nil
    assert_equal 0, Apnspush.log_poll, "raised once"
  end
end
