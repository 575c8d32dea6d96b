# frozen_string_literal: true

require "json"

module Apnspush
  # One notification, as plain Ruby values (Grocer style). Notification.new checks the Ruby
  # types; the library validates every value when the notification is pushed (push!, push,
  # ensure_push), before anything is queued. Every refusal is an Apnspush::InputError subclass
  # (BadTokenError, InvalidJsonError, PayloadTooLargeError, InvalidArgumentError; a wrong type or
  # an unknown keyword is an InvalidArgumentError naming it). The same object can be pushed many
  # times.
  #
  # token: the device token, hex (a String in any text encoding, either case) or raw bytes
  #   (a binary String, Encoding::BINARY, e.g. ["5a5a..."].pack("H*")).
  # channel_id: instead of a token, the broadcast channel (iOS 18; Apple's base64 channel id)
  #   to send a Live Activity on; a token and a channel id together are refused when pushed.
  # payload: the complete payload (a Hash or JSON text). Given together with any of the fields
  #   it is built from (every option from alert to attributes in OPTIONS; false counts as given) it
  #   is refused when pushed (InvalidArgumentError, the core's rule): give one or the other.
  # alert: a String (the alert body) or a Hash with :title and/or :body.
  # alert_subtitle, alert_launch_image, alert_title_loc_key, alert_subtitle_loc_key,
  #   alert_loc_key (Strings) and alert_title_loc_args, alert_subtitle_loc_args, alert_loc_args
  #   (Arrays of Strings; each needs its loc key): the other `aps.alert` keys.
  # sound: a String (the sound name) or the critical-alert sound {name:, critical: true, volume:}
  #   (volume 0.0 to 1.0).
  # badge (Integer), category, thread_id, target_content_id, interruption_level (passive,
  #   active, time-sensitive, critical), filter_criteria (Strings), relevance_score (0.0 to 1.0),
  #   url_args (Array of Strings), content_available, mutable_content (true/false): the `aps`
  #   fields.
  # custom: top-level payload keys next to "aps"; each value is converted with JSON.generate.
  # event (start, update, end), content_state (Hash), timestamp, stale_date, dismissal_date
  #   (Time or epoch seconds), attributes_type (String), attributes (Hash): a Live Activity
  #   (push type liveactivity, topic suffixed .push-type.liveactivity); the Hashes are converted
  #   with JSON.generate. Apple's rules (a timestamp always, a content_state to start or update,
  #   attributes_type and attributes only to start, dismissal_date only to end) are the
  #   library's, checked when pushed.
  # expiry: a Time or epoch seconds; nil (unset) lets APNs store and retry, 0 means one attempt.
  # priority: 10, 5 or 1 (HTTP/2 only); nil: 5 for the background push type, else 10.
  # topic, push_type, collapse_id, apns_id: the HTTP/2 headers (apns_id a UUID; generated when nil).
  # user_data: an Integer (0 to 2**64 - 1) that comes back in the outcome (Outcome#user_data).
  class Notification
    # Every keyword => its kind: the Ruby types accepted (KINDS) and how the value reaches the C
    # builder (#fill). An option whose kind is :text, :texts, :unit, :flag or :epoch is set
    # through apns_notification_builder_set_<option>, and one of kind :object through
    # apns_notification_builder_set_<option>_json, so adding one is one line here (and its
    # attach_function in native.rb).
    OPTIONS = {
      token: :token, payload: :payload,
      alert: :alert, alert_subtitle: :text, alert_launch_image: :text,
      alert_title_loc_key: :text, alert_title_loc_args: :texts,
      alert_subtitle_loc_key: :text, alert_subtitle_loc_args: :texts,
      alert_loc_key: :text, alert_loc_args: :texts,
      badge: :uint32, sound: :sound, category: :text, thread_id: :text,
      content_available: :flag, mutable_content: :flag,
      target_content_id: :text, interruption_level: :text, relevance_score: :unit,
      filter_criteria: :text, url_args: :texts, custom: :custom,
      event: :text, content_state: :object, timestamp: :epoch, stale_date: :epoch,
      dismissal_date: :epoch, attributes_type: :text, attributes: :object, channel_id: :text,
      expiry: :expiry, priority: :uint8, topic: :text, push_type: :text, collapse_id: :text,
      apns_id: :text, user_data: :user_data
    }.freeze
    FIELDS = OPTIONS.keys.freeze
    # The Ruby types each kind accepts (true/false stand for themselves); :alert and :sound
    # Hashes are checked further by check_alert and check_sound.
    KINDS = {
      token: [String], payload: [String, Hash], alert: [String, Hash], text: [String, Symbol],
      texts: [Array], uint32: [Integer], uint8: [Integer], user_data: [Integer],
      expiry: [Integer, Time], flag: [true, false], unit: [Integer, Float],
      sound: [String, Symbol, Hash], custom: [Hash], object: [Hash], epoch: [Integer, Time]
    }.freeze
    SOUND_KEYS = %w[name critical volume].freeze
    private_constant :KINDS, :SOUND_KEYS
    attr_reader(*FIELDS)

    def initialize(**fields)
      unknown = fields.keys - FIELDS
      raise invalid("unknown notification field #{unknown.join(', ')}; the fields are #{FIELDS.join(', ')}") unless unknown.empty?
      if fields[:token].nil? && fields[:channel_id].nil?
        raise Error.for_result(Native::ERR_BAD_TOKEN, "token: missing (or a channel_id)")
      end

      OPTIONS.each do |field, kind|
        value = check(field, fields[field], *KINDS.fetch(kind))
        check_texts(field, value) if kind == :texts
        instance_variable_set(:"@#{field}", value)
      end
      check_alert(alert)
      check_sound(sound)
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
      return unless alert.is_a?(Hash)

      alert.each do |key, value|
        unless %w[title body].include?(key.to_s)
          raise invalid("alert: only :title and :body go in the Hash (the other alert keys are " \
                        "options of their own: alert_subtitle:, alert_loc_key:, ...; not #{key})")
        end
        check(:"alert #{key}", value, String)
      end
    end

    # A Hash sound is the critical-alert sound: exactly {name:, critical: true, volume:}.
    def check_sound(sound)
      return unless sound.is_a?(Hash)

      given = sound.transform_keys(&:to_s)
      unless given.keys.sort == SOUND_KEYS.sort && given["critical"] == true
        raise invalid("sound: a Hash is the critical-alert sound {name:, critical: true, volume:} " \
                      "(a plain sound is a String), got #{sound.inspect}")
      end
      check(:"sound name", given["name"], String, Symbol)
      check(:"sound volume", given["volume"], Integer, Float)
    end

    def check_texts(field, values)
      values&.each_with_index do |value, index|
        raise invalid("#{field}[#{index}]: expected String, got #{value.class}") unless value.is_a?(String)
        raise invalid("#{field}[#{index}]: contains a NUL byte") if value.include?("\0")
      end
    end

    def fill(builder)
      OPTIONS.each do |field, kind|
        value = public_send(field)
        fill_option(builder, field, kind, value) unless value.nil?
      end
    end

    def fill_option(builder, field, kind, value)
      case kind
      when :token then fill_token(builder)
      when :payload then set(builder, :payload_json, value.is_a?(String) ? value : json(:payload, value))
      when :alert then fill_alert(builder)
      when :text, :flag then set(builder, field, kind == :text ? value.to_s : value)
      when :texts then with_text_array(value) { |array, count| set(builder, field, array, count) }
      when :unit then set(builder, field, value.to_f)
      when :sound then fill_sound(builder)
      when :custom then value.each { |key, v| set(builder, :custom_json, key.to_s, json(:"custom #{key}", v)) }
      when :object then set(builder, :"#{field}_json", json(field, value))
      when :epoch then set(builder, field, in_range(field, value.to_i, 2**64 - 1))
      when :uint32 then set(builder, field, in_range(field, value, 2**32 - 1))
      when :uint8 then set(builder, field, in_range(field, value, 255))
      when :expiry then set(builder, field, in_range(field, value.to_i, 2**32 - 1))
      when :user_data then set(builder, field, pointer(in_range(field, value, 2**64 - 1)))
      end
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

    def fill_sound(builder)
      return set(builder, :sound, sound.to_s) unless sound.is_a?(Hash)

      given = sound.transform_keys(&:to_s)
      set(builder, :sound_critical, given["name"].to_s, given["volume"].to_f)
    end

    # Yields (const char *const *args, size_t count) for an Array of Strings, valid in the block.
    def with_text_array(values)
      strings = values.map { |value| FFI::MemoryPointer.from_string(value) }
      array = FFI::MemoryPointer.new(:pointer, [strings.size, 1].max)
      array.write_array_of_pointer(strings)
      yield array, strings.size
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
