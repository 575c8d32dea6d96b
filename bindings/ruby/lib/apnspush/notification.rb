# frozen_string_literal: true

require "json"

module Apnspush
  # One notification, as plain Ruby values (Grocer style). Notification.new checks the Ruby
  # types; the library validates every value when the notification is pushed (push!, push,
  # ensure_push), before anything is queued. Every refusal is an Apnspush::InputError subclass
  # (BadTokenError, InvalidJsonError, PayloadTooLargeError, InvalidArgumentError). The same
  # object can be pushed many times.
  #
  # token: the device token, hex (a String in any text encoding, either case) or raw bytes
  #   (a binary String, Encoding::BINARY, e.g. ["5a5a..."].pack("H*")).
  # payload: the complete payload (a Hash or JSON text). Given together with any of the fields
  #   it is built from (alert, badge, sound, category, thread_id, content_available,
  #   mutable_content, custom; false counts as given) it is refused when pushed
  #   (InvalidArgumentError, the core's rule): give one or the other.
  # alert: a String (the alert body) or a Hash with :title and/or :body.
  # badge (Integer), sound, category, thread_id (Strings), content_available, mutable_content
  #   (true/false): the `aps` fields.
  # custom: top-level payload keys next to "aps"; each value is converted with JSON.generate.
  # expiry: a Time or epoch seconds; nil (unset) lets APNs store and retry, 0 means one attempt.
  # priority: 10, 5 or 1 (HTTP/2 only); nil: 5 for the background push type, else 10.
  # topic, push_type, collapse_id, apns_id: the HTTP/2 headers (apns_id a UUID; generated when nil).
  # user_data: an Integer (0 to 2**64 - 1) that comes back in the outcome (Outcome#user_data).
  class Notification
    FIELDS = %i[token payload alert badge sound category thread_id content_available
                mutable_content custom expiry priority topic push_type collapse_id apns_id
                user_data].freeze
    STRINGS = %i[sound category thread_id topic push_type collapse_id apns_id].freeze
    private_constant :STRINGS
    attr_reader(*FIELDS)

    def initialize(token: nil, payload: nil, alert: nil, badge: nil, sound: nil, category: nil,
                   thread_id: nil, content_available: nil, mutable_content: nil, custom: nil,
                   expiry: nil, priority: nil, topic: nil, push_type: nil, collapse_id: nil,
                   apns_id: nil, user_data: nil)
      raise Error.for_result(Native::ERR_BAD_TOKEN, "token: missing") if token.nil?

      @token = check(:token, token, String)
      @payload = check(:payload, payload, String, Hash)
      @alert = check_alert(alert)
      @badge = check(:badge, badge, Integer)
      @content_available = check(:content_available, content_available, true, false)
      @mutable_content = check(:mutable_content, mutable_content, true, false)
      @custom = check(:custom, custom, Hash)
      @expiry = check(:expiry, expiry, Integer, Time)
      @priority = check(:priority, priority, Integer)
      @user_data = check(:user_data, user_data, Integer)
      @sound = check(:sound, sound, String, Symbol)
      @category = check(:category, category, String, Symbol)
      @thread_id = check(:thread_id, thread_id, String, Symbol)
      @topic = check(:topic, topic, String, Symbol)
      @push_type = check(:push_type, push_type, String, Symbol)
      @collapse_id = check(:collapse_id, collapse_id, String, Symbol)
      @apns_id = check(:apns_id, apns_id, String, Symbol)
      freeze
    end

    # `notification` itself, or a new one from its keyword Hash (unknown keys refused with
    # InvalidArgumentError naming the known ones).
    def self.from(notification)
      return notification if notification.is_a?(Notification)
      unless notification.is_a?(Hash)
        raise Error.for_result(Native::ERR_INVALID_ARGUMENT,
                               "expected an Apnspush::Notification or a Hash, got #{notification.class}")
      end

      unknown = notification.keys.map(&:to_sym) - FIELDS
      unless unknown.empty?
        raise Error.for_result(Native::ERR_INVALID_ARGUMENT,
                               "unknown notification field #{unknown.join(', ')}; the fields are #{FIELDS.join(', ')}")
      end
      new(**notification.transform_keys(&:to_sym))
    end

    # The fields given (not nil).
    def to_h
      FIELDS.to_h { |field| [field, public_send(field)] }.compact
    end

    # A new C notification (apns_notification *) the caller owns: a successful push call takes
    # it, otherwise the caller must free it with apns_notification_destroy. Raises on invalid
    # values.
    def to_native # :nodoc:
      builder = Native.new_handle { |out| Native.apns_notification_builder_new(out) }
      begin
        fill(builder)
        out = FFI::MemoryPointer.new(:pointer)
        Native.with_errbuf do |errbuf, len|
          Native.apns_notification_builder_build(builder, out, errbuf, len)
        end
        out.read_pointer
      ensure
        Native.apns_notification_builder_destroy(builder)
      end
    end

    private

    def invalid(message)
      Error.for_result(Native::ERR_INVALID_ARGUMENT, message)
    end

    # nil, or a value of one of `types` (true/false stand for themselves).
    def check(field, value, *types)
      return value if value.nil? || types.any? { |t| t.is_a?(Module) ? value.is_a?(t) : value == t }

      names = types.map { |t| t.is_a?(Module) ? t.name : t.inspect }.join(" or ")
      raise invalid("#{field}: expected #{names}, got #{value.class}")
    end

    def check_alert(alert)
      return check(:alert, alert, String, Hash) unless alert.is_a?(Hash)

      alert.each do |key, value|
        unless %w[title body].include?(key.to_s)
          raise invalid("alert: only :title and :body are supported (use payload: for #{key})")
        end
        check(:"alert #{key}", value, String)
      end
      alert
    end

    def fill(builder)
      fill_token(builder)
      fill_alert(builder)
      set(builder, :badge, in_range(:badge, badge, 2**32 - 1)) unless badge.nil?
      STRINGS.each do |field|
        value = public_send(field)
        set(builder, field, value.to_s) unless value.nil?
      end
      set(builder, :content_available, content_available) unless content_available.nil?
      set(builder, :mutable_content, mutable_content) unless mutable_content.nil?
      custom&.each { |key, value| set(builder, :custom_json, key.to_s, json(:"custom #{key}", value)) }
      set(builder, :payload_json, payload.is_a?(String) ? payload : json(:payload, payload)) unless payload.nil?
      set(builder, :expiry, in_range(:expiry, expiry.to_i, 2**32 - 1)) unless expiry.nil?
      set(builder, :priority, in_range(:priority, priority, 255)) unless priority.nil?
      set(builder, :user_data, pointer(in_range(:user_data, user_data, 2**64 - 1))) unless user_data.nil?
    end

    def fill_token(builder)
      if token.encoding == Encoding::BINARY
        bytes = FFI::MemoryPointer.new(:uint8, [token.bytesize, 1].max)
        bytes.put_bytes(0, token)
        set(builder, :token, bytes, token.bytesize)
      else
        set(builder, :token_hex, token)
      end
    end

    def fill_alert(builder)
      case alert
      when String then set(builder, :alert_body, alert)
      when Hash then alert.each { |key, value| set(builder, :"alert_#{key}", value) }
      end
    end

    # A pointer whose address is `value` (0 to 2**64 - 1; FFI::Pointer.new takes a signed one).
    def pointer(value)
      FFI::Pointer.new(value >= 2**63 ? value - 2**64 : value)
    end

    def json(field, value)
      JSON.generate(value)
    rescue JSON::GeneratorError => e
      raise Error.for_result(Native::ERR_INVALID_JSON, "#{field}: #{e.message}")
    end

    def in_range(field, value, max)
      return value if value.between?(0, max)

      raise invalid("#{field}: #{value} is outside 0..#{max}")
    end

    def set(builder, field, *values)
      Native.check!(Native.public_send(:"apns_notification_builder_set_#{field}", builder, *values))
    end
  end
end
