# frozen_string_literal: true

module Apnspush
  # The feedback service (binary protocol): the devices that stopped accepting notifications.
  module Feedback
    # Connects to the feedback service named by `config` (the Pusher.new keys: feedback_host,
    # feedback_port, environment, the client certificate; or mock:), reads every tuple until the
    # server closes and returns them in order as [{timestamp:, token_hex:}, ...] (timestamp in
    # epoch seconds). The service forgets tuples once read. Blocks (GVL released) up to
    # connect_timeout_ms to connect and for each read. Raises ConnectError, TlsError,
    # CredentialsError, IoError, ProtocolError and the configuration errors.
    def self.fetch(config = {})
      tuples = []
      error = nil
      callback = FFI::Function.new(:void, %i[pointer uint32 pointer size_t]) do |_user, timestamp, token, len|
        tuples << { timestamp: timestamp, token_hex: token.read_bytes(len).unpack1("H*") } if error.nil?
      rescue Exception => e # rubocop:disable Lint/RescueException
        error ||= e
      end
      Logging.serving do
        Config.with_native(config) do |conf|
          Native.with_errbuf { |errbuf, len| Native.apns_feedback_fetch(conf, callback, nil, errbuf, len) }
        end
      end
      raise error if error

      tuples
    end
  end
end
