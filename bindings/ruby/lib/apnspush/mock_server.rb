# frozen_string_literal: true

require "json"

module Apnspush
  # The built-in mock APNs server (a C apns_mock): a binary (default) or HTTP/2 gateway and the
  # feedback service over TLS on 127.0.0.1, with its own CA, started by MockServer.new.
  #
  # reject: {token_hex => status} answered with that status (binary 8 = invalid token; HTTP/2
  #   answers any of them 400 BadDeviceToken).
  # reject_http2: {token_hex => [status, reason]} answered so over HTTP/2 (410 adds a timestamp).
  # drop_after / shutdown_after / close_silently_after: per connection, after K notifications
  #   drop the socket / send status 10 and close / close without an error-response.
  # error_delay: seconds to hold every error-response. feedback: [[epoch_seconds, token_hex], ...].
  # stall_after (HTTP/2): per connection, answer K requests, then none (PINGs still answered).
  # expire_token_after (HTTP/2 token auth): each provider token is good for N requests, then
  #   answered 403 ExpiredProviderToken.
  # max_channels (HTTP/2): broadcast channels kept per bundle id (default 10,000); a create past
  #   it is answered 400 CannotCreateChannelConfig.
  #
  # Threads: any method from any thread, except #destroy. The server's threads never run Ruby.
  # Resources: #destroy (or MockServer.open's block, or the garbage collector) stops and frees it;
  # #stop stops it and keeps the record readable.
  class MockServer
    HOST = "127.0.0.1"

    # Starts a mock, yields it and always destroys it; returns the block's value.
    def self.open(**options)
      mock = new(**options)
      begin
        yield mock
      ensure
        mock.destroy
      end
    end

    def initialize(protocol: "binary", reject: {}, reject_http2: {}, drop_after: nil, shutdown_after: nil,
                   close_silently_after: nil, error_delay: nil, record_payloads: true,
                   require_client_cert: true, feedback: [], stall_after: nil, expire_token_after: nil,
                   max_channels: nil)
      ptr = Native.new_handle { |out| Native.apns_mock_new(out) }
      @handle = FFI::AutoPointer.new(ptr, Native.method(:apns_mock_destroy))
      begin
        call(:set_protocol, protocol.to_s)
        reject.each { |token, status| reject_token(token, status) }
        reject_http2.each { |token, (status, reason)| reject_token_http2(token, status, reason) }
        call(:set_drop_after, drop_after.to_i)
        call(:set_shutdown_after, shutdown_after.to_i)
        call(:set_close_silently_after, close_silently_after.to_i)
        call(:set_stall_after, stall_after.to_i)
        call(:set_expire_token_after, expire_token_after.to_i)
        call(:set_error_delay_ms, (error_delay.to_f * 1000).ceil)
        call(:set_record_payloads, record_payloads ? true : false)
        call(:set_require_client_cert, require_client_cert ? true : false)
        call(:set_max_channels, Integer(max_channels)) unless max_channels.nil?
        feedback.each { |timestamp, token| call(:add_feedback, Integer(timestamp), token.to_s) }
        call(:start)
      rescue StandardError
        destroy
        raise
      end
    end

    # What Pusher.new needs to reach this mock: merge your own keys into it. The C API applies
    # the mock's host, port and TLS material to a configuration directly (apns_mock_config_apply),
    # so the Hash carries the mock itself.
    def config
      { mock: self }
    end

    def host
      HOST
    end

    # The gateway port (0 once stopped).
    def port
      Native.apns_mock_port(handle)
    end

    # The feedback service port (0 once stopped).
    def feedback_port
      Native.apns_mock_feedback_port(handle)
    end

    # HTTP/2: the channel management port (0 in binary mode and once stopped); #config carries it.
    def channel_port
      Native.apns_mock_channel_port(handle)
    end

    # Rejects later notifications to `token_hex` with `status`.
    def reject_token(token_hex, status)
      call(:reject_token, token_hex.to_s, Integer(status))
    end

    # HTTP/2: answers later notifications to `token_hex` with `status` and `reason`.
    def reject_token_http2(token_hex, status, reason)
      call(:reject_token_http2, token_hex.to_s, Integer(status), reason.to_s)
    end

    # Notifications accepted so far (the final count once stopped).
    def accepted_count
      Native.apns_mock_accepted_count(handle)
    end

    # Accepted notifications in processing order: [{identifier:, token:, payload:, connection:,
    # apns_id:}, ...] (empty with record_payloads: false).
    def accepted
      record(:apns_mock_accepted_json)
    end

    # Rejections in order: binary [{identifier:, token:, status:, connection:}, ...]; HTTP/2
    # [{apns_id:, token:, status:, reason:, timestamp:, connection:}, ...].
    def rejected
      record(:apns_mock_rejected_json)
    end

    # HTTP/2: the delivery headers of every request judged, in order (empty with
    # record_payloads: false): [{token:, expiration:, push_type:, topic:, priority:,
    # collapse_id:}, ...], each header as received (a String) or nil when absent.
    def http2_requests
      record(:apns_mock_http2_requests_json)
    end

    # HTTP/2: the broadcast channel registry and the broadcasts the gateway accepted, as
    # docs/CHANNELS.md shows it: {apps: {"<bundle id>" => [{"channel-id" =>, ...}]},
    # broadcasts: [{"bundle-id" =>, "channel-id" =>, "apns-id" =>, "payload" =>, "connection" =>}],
    # broadcasts_per_channel:, deleted:, limit:, management_answers:}.
    def channels
      JSON.parse(Native.read_text { |buf, len, needed| Native.apns_mock_channels_json(handle, buf, len, needed) },
                 symbolize_names: false).transform_keys(&:to_sym)
    end

    def markers
      Native.apns_mock_markers(handle)
    end

    def connections
      Native.apns_mock_connections(handle)
    end

    # Waits until at least `count` were accepted in all; false on timeout.
    def wait_accepted(count, timeout: nil)
      result = Native.apns_mock_wait_accepted(handle, count, Native.timeout_ms(timeout))
      return false if result == Native::ERR_TIMEOUT

      Native.check!(result)
      true
    end

    # Forgets the record (accepted, rejected, markers, connections); keeps the rules.
    def clear
      call(:clear)
    end

    # Closes the listeners and connections and joins the server's threads; the record stays
    # readable.
    def stop
      call(:stop)
    end

    # Stops and frees the C mock. Any later call raises ClosedError.
    def destroy
      handle = @handle
      @handle = nil
      handle&.free
      nil
    end

    # Sets this mock's connection keys on a C configuration (apns_conf *).
    def apply_to(conf) # :nodoc:
      call(:config_apply, conf)
    end

    private

    def handle
      @handle or raise Error.for_result(Native::ERR_CLOSED, "the mock server was destroyed")
    end

    def call(name, *args)
      Native.check!(Native.public_send(:"apns_mock_#{name}", handle, *args))
    end

    def record(function)
      json = Native.read_text { |buf, len, needed| Native.public_send(function, handle, buf, len, needed) }
      JSON.parse(json, symbolize_names: true)
    end
  end
end
