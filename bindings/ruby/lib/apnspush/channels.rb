# frozen_string_literal: true

require "json"

module Apnspush
  # Broadcast channel management (iOS 18; docs/CHANNELS.md) over one C apns_channels: one HTTP/2
  # connection to Apple's management host for the app named by the `topic` key.
  #
  # config: the Pusher's configuration Hash (docs/CONFIG.md: channel_host and channel_port, by
  # default Apple's for `environment`; CA, proxy and auth keys as for a pusher; `topic` the
  # bundle id, a push-type suffix dropped), plus :mock (a running HTTP/2 MockServer).
  # policy: :no_message_stored (0) or :most_recent_message_stored (1), what APNs keeps for
  # devices that were offline.
  #
  # Threads: any method from any thread, except #destroy; calls run one at a time.
  # Blocking: each call up to response_timeout_ms (twice when a request the server did not
  # process is sent again), with the GVL released.
  # Errors: RejectedError when APNs refuses a request, its message Apple's reason and status
  # ("ChannelNotRegistered (status 404)"); InvalidArgumentError for a channel id that is not
  # base64 text or a policy that is not one of POLICIES; TimeoutError, IoError, ConnectError,
  # TlsError, CredentialsError, ProtocolError; ClosedError after #close.
  # Resources: #destroy (or Channels.open's block, or the garbage collector) frees it.
  class Channels
    POLICIES = { no_message_stored: 0, most_recent_message_stored: 1 }.freeze

    # Connects, yields the client and always destroys it; returns the block's value.
    def self.open(config = {})
      channels = new(config)
      begin
        yield channels
      ensure
        channels.destroy
      end
    end

    # Connects now. Raises InvalidConfigValueError without `topic`, ConnectError, TlsError, ...
    def initialize(config = {})
      Logging.serving do
        Config.with_native(config) do |conf|
          out = FFI::MemoryPointer.new(:pointer)
          Native.with_errbuf { |errbuf, len| Native.apns_channels_new(conf, out, errbuf, len) }
          @handle = FFI::AutoPointer.new(out.read_pointer, Native.method(:apns_channels_destroy))
        end
      end
    end

    # Creates a Live Activity channel with the message storage `policy` (a POLICIES key or its
    # number); returns its id (base64 text).
    def create(policy = :no_message_stored)
      code = POLICIES.fetch(policy) { policy.is_a?(Integer) && POLICIES.value?(policy) ? policy : nil }
      if code.nil?
        raise Error.for_result(Native::ERR_INVALID_ARGUMENT,
                               "policy: expected #{POLICIES.keys.map(&:inspect).join(' or ')}, got #{policy.inspect}")
      end
      id = FFI::MemoryPointer.new(:char, Native::CHANNEL_ID_BUF)
      Logging.serving do
        Native.with_errbuf do |errbuf, len|
          Native.apns_channels_create(handle, code, id, Native::CHANNEL_ID_BUF, nil, errbuf, len)
        end
      end
      id.read_string
    end

    # One channel: {channel_id:, message_storage_policy: (a POLICIES key), push_type: "LiveActivity"}.
    def get(channel_id)
      id = channel_id_text(channel_id)
      info = JSON.parse(read(1024) { |buf, len, needed, errbuf, errlen| Native.apns_channels_get(handle, id, buf, len, needed, errbuf, errlen) })
      { channel_id: info["channel-id"], message_storage_policy: POLICIES.key(info["message-storage-policy"]),
        push_type: info["push-type"] }
    end

    # Every channel id of the app (Strings).
    def list
      JSON.parse(read(64 * 1024) { |*args| Native.apns_channels_list(handle, *args) })
    end

    # Deletes a channel; nil.
    def delete(channel_id)
      id = channel_id_text(channel_id)
      Logging.serving do
        Native.with_errbuf { |errbuf, len| Native.apns_channels_delete(handle, id, errbuf, len) }
      end
      nil
    end

    # Closes the connection; later calls raise ClosedError. A second call does nothing.
    def close
      Native.check!(Native.apns_channels_close(@handle)) unless @handle.nil?
      nil
    end

    # Closes and frees the client; later calls raise ClosedError.
    def destroy
      handle = @handle
      @handle = nil
      handle&.free
      nil
    end

    private

    def handle
      @handle or raise Error.for_result(Native::ERR_CLOSED, "the channels client was destroyed")
    end

    def channel_id_text(channel_id)
      return channel_id.to_s if channel_id.is_a?(String) && !channel_id.include?("\0")

      raise Error.for_result(Native::ERR_INVALID_ARGUMENT, "channel_id: expected a String without NUL bytes, got #{channel_id.inspect}")
    end

    # The text a (buf, len, needed, errbuf, errlen) call writes, starting with `size` bytes and
    # asking again with the size the library names (each call sends the request again).
    def read(size)
      needed = FFI::MemoryPointer.new(:size_t)
      Logging.serving do
        4.times do
          buf = FFI::MemoryPointer.new(:char, size)
          errbuf = FFI::MemoryPointer.new(:char, Native::ERRBUF_LEN)
          result = yield buf, size, needed, errbuf, Native::ERRBUF_LEN
          return buf.read_string.force_encoding(Encoding::UTF_8) if result == Native::OK
          raise Error.for_result(result, errbuf.read_string) unless result == Native::ERR_BUFFER_TOO_SMALL

          size = needed.read(:size_t)
        end
        raise Error.for_result(Native::ERR_BUFFER_TOO_SMALL)
      end
    end
  end
end
