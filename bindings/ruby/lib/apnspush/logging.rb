# frozen_string_literal: true

require "logger"

module Apnspush
  # The engine's log records (connects, losses, GOAWAYs, retries, token refreshes; see
  # docs/LOGGING.md) bridged to a Ruby Logger. Records are queued by the engine and written to
  # the Logger only on a Ruby thread that calls the gem, inside that call: every Pusher verb,
  # Pusher.new, Feedback.fetch and Apnspush.log_poll serve them, Pusher#poll also while it
  # waits, ensure_delivery every 100 ms of its wait. An application that is otherwise idle
  # calls Apnspush.log_poll now and then (at most 10,000 records wait; past that the oldest are
  # dropped). One Logger per process: the records are those of every pusher.
  #
  # Severity: error -> Logger::ERROR, warn -> WARN, info -> INFO, debug and trace -> DEBUG;
  # progname: the record's target ("apnspush::http2", ...). The level the engine records at is
  # Apnspush.log_level, or when that is nil, the Logger's own level (DEBUG -> :debug, INFO ->
  # :info, WARN -> :warn, ERROR -> :error, above -> :off).
  module Logging
    LEVELS = { off: 0, error: 1, warn: 2, info: 3, debug: 4, trace: 5 }.freeze
    SEVERITIES = { 1 => Logger::ERROR, 2 => Logger::WARN, 3 => Logger::INFO, 4 => Logger::DEBUG,
                   5 => Logger::DEBUG }.freeze
    FROM_LOGGER = { Logger::DEBUG => :debug, Logger::INFO => :info, Logger::WARN => :warn,
                    Logger::ERROR => :error }.freeze
    private_constant :SEVERITIES, :FROM_LOGGER

    @logger = nil
    @level = nil
    @error = nil
    @lock = Mutex.new

    # One callback for the life of the process, so that a poll running on another thread while
    # the logger is replaced never calls a freed function. An exception raised by the Logger is
    # kept (it must not unwind through C frames) and re-raised by the next Apnspush.log_poll;
    # later records still go to the Logger.
    CALLBACK = FFI::Function.new(:void, %i[pointer uint32 string string]) do |_ctx, level, target, message|
      logger = @logger
      logger&.add(SEVERITIES.fetch(level, Logger::DEBUG), message.force_encoding(Encoding::UTF_8),
                  target.force_encoding(Encoding::UTF_8))
    rescue Exception => e # rubocop:disable Lint/RescueException
      @error ||= e
    end
    private_constant :CALLBACK

    class << self
      attr_reader :logger, :level

      def logger=(logger)
        @lock.synchronize do
          @logger = logger
          apply
        end
      end

      def level=(level)
        unless level.nil? || LEVELS.key?(level)
          raise Error.for_result(Native::ERR_INVALID_ARGUMENT,
                                 "log_level: expected nil or one of #{LEVELS.keys.join(', ')}, got #{level.inspect}")
        end
        @lock.synchronize do
          @level = level
          apply
        end
      end

      # The level the engine records at now (:off without a logger).
      def effective_level
        return :off if @logger.nil?

        @level || FROM_LOGGER.fetch(@logger.level, :off)
      end

      # Serves up to `max` queued records to the Logger on this thread; returns how many.
      def poll(max = 10_000)
        served = FFI::MemoryPointer.new(:size_t)
        Native.check!(Native.apns_log_poll(max, served))
        raise_pending
        served.read(:size_t)
      end

      # Runs the block, then serves the queued records if a Logger is set, also when the block
      # raised (a connect failure's records are what the operator wants). An exception the
      # Logger raises is kept for Apnspush.log_poll: a failing Logger never fails a push.
      def serving # :nodoc:
        yield
      ensure
        Native.apns_log_poll(10_000, nil) unless @logger.nil?
      end

      # Re-raises (once) the first exception the Logger raised since the last log_poll.
      def raise_pending # :nodoc:
        error = @error
        return if error.nil?

        @error = nil
        raise error
      end

      private

      def apply
        max = LEVELS.fetch(effective_level)
        Native.check!(Native.apns_set_log_callback(max.zero? ? nil : CALLBACK, nil, max))
      end
    end
  end

  class << self
    # The Logger (anything with #add(severity, message, progname) and #level) that receives
    # the engine's records, or nil (the default: the engine records nothing).
    def logger
      Logging.logger
    end

    def logger=(logger)
      Logging.logger = logger
    end

    # :error, :warn, :info, :debug, :trace or :off; nil (the default) follows the Logger's level.
    # :trace adds a record per accepted notification.
    def log_level
      Logging.level
    end

    def log_level=(level)
      Logging.level = level
    end

    # Serves up to `max` queued log records to the Logger on this thread; returns how many.
    def log_poll(max = 10_000)
      Logging.poll(max)
    end
  end
end
