# frozen_string_literal: true

module Apnspush
  # The final outcome of one notification, copied out of the C outcome.
  #
  # id: the id the push call returned. kind: :accepted, :rejected, :failed, :expired or
  #   :cancelled.
  # status: binary error-response status (8 = invalid token) or HTTP/2 status; 0 when none.
  # reason: Apple's reason text, or the library's message for a failed outcome; "" when none.
  # error: the C result name behind a failed outcome ("APNS_ERR_CLOSED", ...), or nil.
  # timestamp: HTTP/2 410 only: when the token stopped being valid, in milliseconds since the
  #   epoch; else nil.
  # apns_id: the HTTP/2 apns-id of the request; nil for the binary protocol.
  # attempts: times it was written, replays included.
  # confirmed: accepted on evidence rather than presumed after the binary error window.
  # token: the device token as lower-case hex (also as token_hex); "" for a broadcast.
  # channel_id: the broadcast channel it was sent on; nil when sent to a device token.
  # user_data: the Integer given to the notification, 0 when none.
  #
  # The members are the core's outcome field list, Apnspush::OUTCOME_FIELDS, in its order
  # (test/test_fields.rb).
  Outcome = Struct.new(:id, :kind, :status, :reason, :error, :timestamp, :token, :channel_id, :apns_id,
                       :confirmed, :attempts, :user_data, keyword_init: true) do
    alias_method :token_hex, :token

    %i[accepted rejected failed expired cancelled].each do |name|
      define_method(:"#{name}?") { kind == name }
    end

    # Copies a C outcome (borrowed or owned; the caller keeps ownership).
    def self.from_native(ptr) # :nodoc:
      error = Native.apns_outcome_error(ptr)
      timestamp = FFI::MemoryPointer.new(:uint64)
      new(id: Native.apns_outcome_id(ptr),
          kind: Native.apns_outcome_kind_name(Native.apns_outcome_kind(ptr)).to_sym,
          status: Native.apns_outcome_status(ptr),
          reason: Native.apns_outcome_reason(ptr).force_encoding(Encoding::UTF_8),
          error: error == Native::OK ? nil : Native.apns_result_name(error),
          timestamp: Native.apns_outcome_timestamp(ptr, timestamp) ? timestamp.read(:uint64) : nil,
          token: Native.apns_outcome_token_hex(ptr),
          channel_id: Native.apns_outcome_channel_id(ptr),
          apns_id: Native.apns_outcome_apns_id(ptr),
          confirmed: Native.apns_outcome_confirmed(ptr),
          attempts: Native.apns_outcome_attempts(ptr),
          user_data: Native.apns_outcome_user_data(ptr).address)
    end

    # Yields an outcome callback for the C API, then returns the outcomes it received. An
    # exception inside the callback (even Interrupt) must not unwind through C frames: it is kept
    # and re-raised here once the C call has returned.
    def self.collect # :nodoc:
      list = []
      error = nil
      callback = FFI::Function.new(:void, %i[pointer pointer]) do |_userdata, ptr|
        list << from_native(ptr) if error.nil?
      rescue Exception => e # rubocop:disable Lint/RescueException
        error ||= e
      end
      yield callback
      raise error if error

      list
    end
  end
end
