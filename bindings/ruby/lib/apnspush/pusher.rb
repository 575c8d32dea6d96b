# frozen_string_literal: true

require "json"

module Apnspush
  # A connected APNs provider (Grocer style) over one C apns_pusher.
  #
  # config: the flat keys of docs/CONFIG.md as a Hash (symbol or string keys; values are
  # converted with to_s, true/false to "true"/"false", nil restores a default), plus the
  # special key :mock (a running MockServer), whose connection settings are applied first.
  #
  # Threads: every method may be called from any Ruby thread at once, except #destroy.
  # Blocking: the calls that wait release the GVL; ensure_delivery waits in short slices so that
  # Ctrl-C and Thread#raise are served between them. Timeouts are in seconds; nil waits without
  # limit. Logging: every method serves the queued log records to Apnspush.logger on the calling
  # thread (Apnspush::Logging).
  # Errors: Apnspush::Error subclasses named after the C results (BadTokenError, ...).
  # Resources: the C handle is freed by #destroy, by Pusher.open's block, or by the garbage
  # collector (which closes with close_timeout_ms first).
  class Pusher
    WAIT_SLICE = 0.1 # seconds
    private_constant :WAIT_SLICE

    # Creates a pusher, yields it and always destroys it; returns the block's value.
    def self.open(config = {})
      pusher = new(config)
      begin
        yield pusher
      ensure
        pusher.destroy
      end
    end

    # Connects now. Raises ConnectError, TlsError, CredentialsError, UnknownConfigKeyError,
    # InvalidConfigValueError.
    def initialize(config = {})
      block = config.to_h.find { |k, _| k.to_s == 'block_when_full' }&.last
      @blocks_when_full = block.nil? || !%w[false 0 no].include?(block.to_s)
      Logging.serving do
        Config.with_native(config) do |conf|
          out = FFI::MemoryPointer.new(:pointer)
          Native.with_errbuf { |errbuf, len| Native.apns_pusher_new(conf, out, errbuf, len) }
          @handle = FFI::AutoPointer.new(out.read_pointer, Native.method(:apns_pusher_destroy))
        end
      end
    end

    # Enqueues the notification (a Notification or its keyword Hash) and returns its id at once.
    # Blocks only while the send queue is full (unless block_when_full is false: QueueFullError),
    # in slices of 100 ms (the engine ends a slice as soon as there is room), so Ctrl-C and
    # Thread#raise are served within a slice; an interrupted push queued nothing.
    def push!(notification)
      Logging.serving do
        enqueue(notification) do |native, id|
          loop do
            result = Native.apns_pusher_push_async_timeout(handle, native, (WAIT_SLICE * 1000).to_i, id)
            break result unless result == Native::ERR_QUEUE_FULL && @blocks_when_full
          end
        end
      end
    end

    # As push!, then waits until it is written to a socket; returns its id. TimeoutError means
    # it is queued and will still get an outcome.
    def push(notification, timeout: nil)
      ms = Native.timeout_ms(timeout)
      Logging.serving do
        enqueue(notification) { |native, id| Native.apns_pusher_push(handle, native, ms, id) }
      end
    end

    # Enqueues the notification and waits for its final Outcome (binary: a flush marker or the
    # error window). TimeoutError means it is queued and will still get an outcome.
    def ensure_push(notification, timeout: nil)
      ms = Native.timeout_ms(timeout)
      owned = FFI::MemoryPointer.new(:pointer)
      Logging.serving do
        enqueue(notification) { |native, _id| Native.apns_pusher_ensure_push(handle, native, ms, owned) }
      end
      outcome = owned.read_pointer
      begin
        Outcome.from_native(outcome)
      ensure
        Native.apns_outcome_destroy(outcome)
      end
    end

    # Runs the block (if any), then waits until every notification pushed so far has its final
    # outcome; returns the block's value. If the block raises, nothing is waited for.
    # Raises TimeoutError if some have no outcome after `timeout`. Notifications other threads
    # push during the wait are not waited for.
    def ensure_delivery(timeout: nil)
      value = block_given? ? yield(self) : nil
      through = Native.apns_pusher_last_id(handle)
      wait_in_slices(timeout) do |ms|
        Logging.serving { Native.apns_pusher_ensure_delivery_through(handle, through, ms, nil, nil) }
      end
      value
    end

    # Drains the outcomes that are not accepted (rejected, failed, expired, cancelled) recorded
    # since the last call. Never blocks.
    def failed_notifications
      Logging.serving do
        Outcome.collect do |callback|
          Native.check!(Native.apns_pusher_failed_notifications(handle, callback, nil, nil))
        end
      end
    end

    # Takes the queued outcome reports (which ones: the outcome_reports key), waiting up to
    # `timeout` for the first. A pusher that is never polled should set outcome_reports to
    # "failures" or "none", or the reports accumulate. Serves the queued log records too, also
    # while it waits.
    def poll(timeout: 0)
      Logging.serving do
        Outcome.collect do |callback|
          Native.check!(Native.apns_pusher_poll(handle, Native.timeout_ms(timeout), callback, nil, nil))
        end
      end
    end

    # Every counter (pushed, accepted, rejected, duplicates_possible, ...) and last_error as a
    # Hash with symbol keys, in the order of Apnspush::STATS_FIELDS. Never blocks.
    def stats
      json = Native.read_text { |buf, len, needed| Native.apns_pusher_stats_json(handle, buf, len, needed) }
      JSON.parse(json, symbolize_names: true).sort_by { |key, _| STATS_FIELDS.index(key) || STATS_FIELDS.size }.to_h
    end

    # Stops intake, flushes for most of `timeout`, and gives what is left an outcome (never
    # written: cancelled; written but unconfirmed: failed with APNS_ERR_CLOSED), readable with
    # failed_notifications and poll afterwards. Returns {cancelled:, unconfirmed:}. Later pushes
    # raise ClosedError. A second call does nothing.
    def close(timeout: 5)
      cancelled = FFI::MemoryPointer.new(:uint64)
      unconfirmed = FFI::MemoryPointer.new(:uint64)
      ms = (timeout * 1000).ceil
      Logging.serving { Native.check!(Native.apns_pusher_close(handle, ms, cancelled, unconfirmed)) }
      { cancelled: cancelled.read(:uint64), unconfirmed: unconfirmed.read(:uint64) }
    end

    # Closes (unless #close ran) and frees the C pusher; outcomes not yet read are discarded.
    # Any later call raises ClosedError. No other thread may use the pusher meanwhile.
    def destroy
      handle = @handle
      @handle = nil
      Logging.serving { handle&.free }
      nil
    end

    def destroyed?
      @handle.nil?
    end

    private

    def handle
      @handle or raise Error.for_result(Native::ERR_CLOSED, "the pusher was destroyed")
    end

    # Builds the C notification, yields it with an id output, and frees it unless the push
    # call took it (APNS_OK). Returns the id.
    def enqueue(notification)
      native = Notification.from(notification).to_native
      id = FFI::MemoryPointer.new(:uint64)
      result = nil
      begin
        result = yield native, id
      ensure
        Native.apns_notification_destroy(native) unless result == Native::OK
      end
      Native.check!(result)
      id.read(:uint64)
    end

    # Calls the block with slice timeouts (ms) until it returns APNS_OK or `timeout` passes.
    def wait_in_slices(timeout)
      deadline = timeout && (clock + timeout)
      loop do
        left = deadline && [deadline - clock, 0].max
        result = yield Native.timeout_ms(left ? [left, WAIT_SLICE].min : WAIT_SLICE)
        return if result == Native::OK
        next if result == Native::ERR_TIMEOUT && (deadline.nil? || clock < deadline)

        Native.check!(result)
      end
    end

    def clock
      Process.clock_gettime(Process::CLOCK_MONOTONIC)
    end
  end
end
