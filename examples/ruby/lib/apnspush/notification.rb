# frozen_string_literal: true

require "json"

module Apnspush
  # One notification, as plain Ruby values (Grocer style). Nothing is validated here: the
  # library validates every field when the notification is pushed (push!, push, ensure_push),
  # before anything is queued, and raises BadTokenError, InvalidJsonError,
  # PayloadTooLargeError or InvalidArgumentError. The same object can be pushed many times.
  #
  # alert: a String (the alert body) or a Hash with :title and/or :body.
  # custom: top-level payload keys next to "aps"; each value is converted with JSON.generate.
  # payload: the complete payload (a Hash or JSON text); it overrides alert, badge, sound,
  #   category, thread_id, content_available, mutable_content and custom.
  # expiry: a Time or epoch seconds; nil (unset) lets APNs store and retry, 0 means one attempt.
  # priority: 10, 5 or 1 (HTTP/2 only); nil: 5 for the background push type, else 10.
  # user_data: an Integer that comes back in the outcome (Outcome#user_data).
  class Notification
    FIELDS = %i[device_token alert badge sound category thread_id content_available mutable_content
                custom payload expiry priority topic push_type collapse_id apns_id user_data].freeze
    attr_reader(*FIELDS)

    def initialize(device_token:, alert: nil, badge: nil, sound: nil, category: nil, thread_id: nil,
                   content_available: false, mutable_content: false, custom: {}, payload: nil,
                   expiry: nil, priority: nil, topic: nil, push_type: nil, collapse_id: nil,
                   apns_id: nil, user_data: nil)
      @device_token = device_token
      @alert = alert
      @badge = badge
      @sound = sound
      @category = category
      @thread_id = thread_id
      @content_available = content_available
      @mutable_content = mutable_content
      @custom = custom
      @payload = payload
      @expiry = expiry
      @priority = priority
      @topic = topic
      @push_type = push_type
      @collapse_id = collapse_id
      @apns_id = apns_id
      @user_data = user_data
    end

    def to_h
      FIELDS.to_h { |field| [field, public_send(field)] }
    end

    # A new C notification (apns_notification *) the caller owns: a successful push call takes
    # it, otherwise the caller must free it with apns_notification_destroy. Raises on invalid
    # fields.
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

    def fill(builder)
      set(builder, :token_hex, device_token.to_s)
      fill_alert(builder)
      set(builder, :badge, Integer(badge)) unless badge.nil?
      %i[sound category thread_id topic push_type collapse_id apns_id].each do |field|
        value = public_send(field)
        set(builder, field, value.to_s) unless value.nil?
      end
      set(builder, :content_available, true) if content_available
      set(builder, :mutable_content, true) if mutable_content
      custom.each { |key, value| set(builder, :custom_json, key.to_s, JSON.generate(value)) }
      set(builder, :payload_json, payload.is_a?(String) ? payload : JSON.generate(payload)) unless payload.nil?
      set(builder, :expiry, expiry.to_i) unless expiry.nil?
      set(builder, :priority, Integer(priority)) unless priority.nil?
      set(builder, :user_data, FFI::Pointer.new(Integer(user_data))) unless user_data.nil?
    end

    def fill_alert(builder)
      case alert
      when nil then nil
      when String then set(builder, :alert_body, alert)
      when Hash
        alert.each do |key, value|
          unless %w[title body].include?(key.to_s)
            raise ArgumentError, "alert: only :title and :body are supported (use payload: for #{key})"
          end

          set(builder, :"alert_#{key}", value.to_s)
        end
      else raise ArgumentError, "alert: expected a String or a Hash, got #{alert.class}"
      end
    end

    def set(builder, field, *values)
      Native.check!(Native.public_send(:"apns_notification_builder_set_#{field}", builder, *values))
    end
  end
end
