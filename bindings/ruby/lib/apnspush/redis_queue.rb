# frozen_string_literal: true

require "json"

module Apnspush
  # Producer helpers for `apnspush worker` (docs/WORKER.md), with the redis gem (4.x or 5.x).
  # Loaded only by `require "apnspush/redis_queue"`: the gem does not depend on redis, the
  # application brings its own client. Nothing here needs libapnspush; it only shapes entries.
  #
  # The worker reads notifications from a Redis stream: each entry has one field "n", the
  # notification as JSON, exactly a line of `apnspush send`'s JSONL input ("token" or
  # "channel_id", "payload" or the builder fields, "topic", "ref"...). It writes one outcome
  # entry per notification entry to the outcome stream, and invalid entries to the dead letters.
  #
  # `redis` is a Redis instance (anything with xadd/xread/pipelined). Redis errors are raised as
  # the redis gem raises them; a notification without a target raises ArgumentError before
  # anything is sent. Thread safety is the client's.
  module RedisQueue
    NOTIFICATIONS = "apnspush:notifications"
    OUTCOMES = "apnspush:outcomes"
    DEAD_LETTERS = "apnspush:dead"

    # The fields of an outcome entry, in the order the worker writes them.
    OUTCOME_FIELDS = %i[entry ref token channel_id kind status reason timestamp apns_id attempts
                        duplicate_possible worker].freeze

    # A decoded outcome entry: entry (the notification entry's id), ref (JSON-decoded, nil when
    # the notification had none), token/channel_id/apns_id (nil when empty), kind (:accepted,
    # :rejected, :failed or :expired), status and attempts Integers, reason ("" when accepted),
    # timestamp (Integer ms since the epoch for a 410, else nil), duplicate_possible (true when
    # it may have been sent more than once), worker (the consumer name).
    Outcome = Struct.new(*OUTCOME_FIELDS, keyword_init: true) do
      alias_method :duplicate_possible?, :duplicate_possible
    end

    # A dead letter: entry (its id), reason (the parser's message), n (the raw value, "" if none).
    DeadLetter = Struct.new(:entry, :reason, :n, keyword_init: true)

    module_function

    # Adds one notification (a Hash of send's JSONL keys); returns its entry id (the outcome's
    # entry). maxlen trims the stream approximately (MAXLEN ~): leave it nil unless the workers
    # keep up, since a trimmed entry that is still pending is never pushed.
    def enqueue(redis, notification, stream: NOTIFICATIONS, maxlen: nil)
      value = encode(notification)
      if maxlen
        redis.xadd(stream, { "n" => value }, maxlen: maxlen, approximate: true)
      else
        redis.xadd(stream, { "n" => value })
      end
    end

    # Adds many notifications with pipelined XADDs (batch per round trip); returns their entry
    # ids in order. Every notification is checked before anything is sent.
    def enqueue_many(redis, notifications, stream: NOTIFICATIONS, batch: 1000)
      values = notifications.map { |n| encode(n) }
      values.each_slice(batch).flat_map do |slice|
        redis.pipelined { |pipe| slice.each { |v| pipe.xadd(stream, { "n" => v }) } }
      end
    end

    # Up to count outcome entries written after the entry id `after` ("0-0": from the start), as
    # [[outcome entry id, Outcome], ...]; waits up to block_ms for the first (nil: no wait). Pass
    # the last id as `after` to read on. An application with several readers gives the outcome
    # stream a consumer group of its own instead.
    def read_outcomes(redis, after: "0-0", count: 1000, block_ms: nil, stream: OUTCOMES)
      read(redis, stream, after, count, block_ms).map { |id, fields| [id, decode_outcome(fields)] }
    end

    # Dead-letter entries after `after`, as [[id, DeadLetter], ...]; options as read_outcomes.
    def read_dead_letters(redis, after: "0-0", count: 1000, block_ms: nil, stream: DEAD_LETTERS)
      read(redis, stream, after, count, block_ms).map do |id, f|
        [id, DeadLetter.new(entry: f["entry"], reason: f["reason"].to_s, n: f["n"].to_s)]
      end
    end

    # An outcome entry's fields (a Hash of Strings) as an Outcome.
    def decode_outcome(fields)
      f = fields.transform_keys(&:to_s)
      Outcome.new(
        entry: f["entry"], ref: present(f["ref"]) && JSON.parse(f["ref"]),
        token: present(f["token"]), channel_id: present(f["channel_id"]), kind: f["kind"].to_sym,
        status: Integer(f["status"]), reason: f["reason"].to_s,
        timestamp: present(f["timestamp"]) && Integer(f["timestamp"]),
        apns_id: present(f["apns_id"]), attempts: Integer(f["attempts"]),
        duplicate_possible: f["duplicate_possible"] == "true", worker: f["worker"].to_s
      )
    end

    def encode(notification)
      unless notification.is_a?(Hash)
        raise ArgumentError, "a notification is a Hash of send's JSONL keys (docs/CLI.md)"
      end
      unless %w[token channel_id].any? { |k| notification.key?(k) || notification.key?(k.to_sym) }
        raise ArgumentError, "a notification needs token or channel_id"
      end

      JSON.generate(notification)
    end
    private_class_method :encode

    def read(redis, stream, after, count, block_ms)
      options = { count: count }
      options[:block] = block_ms if block_ms
      (redis.xread(stream, after, **options) || {}).fetch(stream, [])
    end
    private_class_method :read

    def present(text)
      text.nil? || text.empty? ? nil : text
    end
    private_class_method :present
  end
end
