# frozen_string_literal: true

require "ffi"

module Apnspush
  # The C functions of libapnspush (include/apns.h), attached with the ffi gem, and the helpers
  # that every wrapper class uses to call them. Nothing here is public API.
  #
  # Functions that can block (connect, wait, join threads, or push into a full queue) are
  # attached with `blocking: true`: the GVL is released while they run, so other Ruby threads
  # keep running. No C function calls back into Ruby except the outcome, feedback and log
  # callbacks, and those run on the calling Ruby thread, inside the call (the C API guarantees
  # it).
  module Native
    extend FFI::Library

    # Where libapnspush is looked for, in order: the path in APNSPUSH_LIB (when set, the only
    # candidate, so that a wrong path is reported rather than another build loaded); the
    # repository build, target/release/libapnspush.so, when this file is in a source checkout;
    # the system loader (ldconfig, LD_LIBRARY_PATH) by name, as scripts/install-c.sh installs it.
    def self.library_candidates
      override = ENV.fetch("APNSPUSH_LIB", "")
      return [override] unless override.empty?

      root = File.expand_path("../../../..", __dir__)
      checkout = File.file?(File.join(root, "Cargo.toml")) &&
                 File.file?(File.join(root, "bindings/ruby/apnspush.gemspec"))
      (checkout ? [File.join(root, "target/release/libapnspush.so")] : []) + ["libapnspush.so"]
    end

    # The first candidate that loads; raises LibraryNotFoundError naming every one tried.
    LIBRARY = begin
      tried = []
      loaded = library_candidates.find do |candidate|
        ffi_lib candidate
        true
      rescue LoadError => e
        tried << [candidate, e.message.lines.first.to_s.strip]
        false
      end
      raise Apnspush::LibraryNotFoundError, tried if loaded.nil?

      loaded
    end

    # void (*)(void *userdata, const apns_outcome *outcome): the outcome is borrowed for the call.
    callback :outcome_cb, %i[pointer pointer], :void

    # Results and version.
    attach_function :apns_result_name, [:int], :string
    attach_function :apns_result_describe, [:int], :string
    attach_function :apns_result_all, [:pointer], :pointer
    attach_function :apns_version, [], :string

    # Configuration.
    attach_function :apns_conf_new, [:pointer], :int
    attach_function :apns_conf_set, %i[pointer string string pointer size_t], :int
    attach_function :apns_conf_destroy, [:pointer], :void

    # Notifications (built through the builder; strings are copied).
    attach_function :apns_notification_builder_new, [:pointer], :int
    attach_function :apns_notification_builder_set_token_hex, %i[pointer string], :int
    attach_function :apns_notification_builder_set_token, %i[pointer pointer size_t], :int
    attach_function :apns_notification_builder_set_payload_json, %i[pointer string], :int
    attach_function :apns_notification_builder_set_alert_title, %i[pointer string], :int
    attach_function :apns_notification_builder_set_alert_body, %i[pointer string], :int
    attach_function :apns_notification_builder_set_alert_subtitle, %i[pointer string], :int
    attach_function :apns_notification_builder_set_alert_launch_image, %i[pointer string], :int
    attach_function :apns_notification_builder_set_alert_title_loc_key, %i[pointer string], :int
    attach_function :apns_notification_builder_set_alert_title_loc_args, %i[pointer pointer size_t], :int
    attach_function :apns_notification_builder_set_alert_subtitle_loc_key, %i[pointer string], :int
    attach_function :apns_notification_builder_set_alert_subtitle_loc_args, %i[pointer pointer size_t], :int
    attach_function :apns_notification_builder_set_alert_loc_key, %i[pointer string], :int
    attach_function :apns_notification_builder_set_alert_loc_args, %i[pointer pointer size_t], :int
    attach_function :apns_notification_builder_set_badge, %i[pointer uint32], :int
    attach_function :apns_notification_builder_set_sound, %i[pointer string], :int
    attach_function :apns_notification_builder_set_sound_critical, %i[pointer string double], :int
    attach_function :apns_notification_builder_set_category, %i[pointer string], :int
    attach_function :apns_notification_builder_set_thread_id, %i[pointer string], :int
    attach_function :apns_notification_builder_set_content_available, %i[pointer bool], :int
    attach_function :apns_notification_builder_set_mutable_content, %i[pointer bool], :int
    attach_function :apns_notification_builder_set_target_content_id, %i[pointer string], :int
    attach_function :apns_notification_builder_set_interruption_level, %i[pointer string], :int
    attach_function :apns_notification_builder_set_relevance_score, %i[pointer double], :int
    attach_function :apns_notification_builder_set_filter_criteria, %i[pointer string], :int
    attach_function :apns_notification_builder_set_url_args, %i[pointer pointer size_t], :int
    attach_function :apns_notification_builder_set_custom_json, %i[pointer string string], :int
    attach_function :apns_notification_builder_set_channel_id, %i[pointer string], :int
    attach_function :apns_notification_builder_set_event, %i[pointer string], :int
    attach_function :apns_notification_builder_set_content_state_json, %i[pointer string], :int
    attach_function :apns_notification_builder_set_timestamp, %i[pointer uint64], :int
    attach_function :apns_notification_builder_set_stale_date, %i[pointer uint64], :int
    attach_function :apns_notification_builder_set_dismissal_date, %i[pointer uint64], :int
    attach_function :apns_notification_builder_set_attributes_type, %i[pointer string], :int
    attach_function :apns_notification_builder_set_attributes_json, %i[pointer string], :int
    attach_function :apns_notification_builder_set_expiry, %i[pointer uint32], :int
    attach_function :apns_notification_builder_set_priority, %i[pointer uint8], :int
    attach_function :apns_notification_builder_set_topic, %i[pointer string], :int
    attach_function :apns_notification_builder_set_push_type, %i[pointer string], :int
    attach_function :apns_notification_builder_set_collapse_id, %i[pointer string], :int
    attach_function :apns_notification_builder_set_apns_id, %i[pointer string], :int
    attach_function :apns_notification_builder_set_user_data, %i[pointer pointer], :int
    attach_function :apns_notification_builder_build, %i[pointer pointer pointer size_t], :int
    attach_function :apns_notification_builder_destroy, [:pointer], :void
    attach_function :apns_notification_destroy, [:pointer], :void

    # Outcomes (accessors never block; strings are copied out by the ffi gem).
    attach_function :apns_outcome_kind, [:pointer], :int
    attach_function :apns_outcome_kind_name, [:int], :string
    attach_function :apns_outcome_id, [:pointer], :uint64
    attach_function :apns_outcome_status, [:pointer], :uint16
    attach_function :apns_outcome_reason, [:pointer], :string
    attach_function :apns_outcome_error, [:pointer], :int
    attach_function :apns_outcome_timestamp, %i[pointer pointer], :bool
    attach_function :apns_outcome_token_hex, [:pointer], :string
    attach_function :apns_outcome_apns_id, [:pointer], :string
    attach_function :apns_outcome_channel_id, [:pointer], :string
    attach_function :apns_outcome_confirmed, [:pointer], :bool
    attach_function :apns_outcome_attempts, [:pointer], :uint32
    attach_function :apns_outcome_user_data, [:pointer], :pointer
    attach_function :apns_outcome_destroy, [:pointer], :void

    # Pusher.
    attach_function :apns_pusher_new, %i[pointer pointer pointer size_t], :int, blocking: true
    attach_function :apns_pusher_push_async, %i[pointer pointer pointer], :int, blocking: true
    attach_function :apns_pusher_push_async_timeout, %i[pointer pointer int64 pointer], :int,
                    blocking: true
    attach_function :apns_pusher_push, %i[pointer pointer int64 pointer], :int, blocking: true
    attach_function :apns_pusher_ensure_push, %i[pointer pointer int64 pointer], :int, blocking: true
    attach_function :apns_pusher_ensure_delivery, %i[pointer int64 outcome_cb pointer], :int,
                    blocking: true
    attach_function :apns_pusher_last_id, %i[pointer], :uint64
    attach_function :apns_pusher_ensure_delivery_through,
                    %i[pointer uint64 int64 outcome_cb pointer], :int, blocking: true
    attach_function :apns_pusher_poll, %i[pointer int64 outcome_cb pointer pointer], :int,
                    blocking: true
    attach_function :apns_pusher_failed_notifications, %i[pointer outcome_cb pointer pointer], :int
    attach_function :apns_pusher_stats_json, %i[pointer pointer size_t pointer], :int
    attach_function :apns_stats_fields_json, %i[pointer size_t pointer], :int
    attach_function :apns_outcome_fields_json, %i[pointer size_t pointer], :int
    attach_function :apns_pusher_close, %i[pointer uint64 pointer pointer], :int, blocking: true
    attach_function :apns_pusher_destroy, [:pointer], :void, blocking: true

    # Feedback service: void (*)(void *userdata, uint32_t timestamp, const uint8_t *token,
    # size_t token_len), the token borrowed for the call.
    callback :feedback_cb, %i[pointer uint32 pointer size_t], :void
    attach_function :apns_feedback_fetch, %i[pointer feedback_cb pointer pointer size_t], :int,
                    blocking: true

    # Broadcast channel management (docs/CHANNELS.md); every call may block.
    attach_function :apns_channels_new, %i[pointer pointer pointer size_t], :int, blocking: true
    attach_function :apns_channels_create, %i[pointer int pointer size_t pointer pointer size_t], :int,
                    blocking: true
    attach_function :apns_channels_get, %i[pointer string pointer size_t pointer pointer size_t], :int,
                    blocking: true
    attach_function :apns_channels_list, %i[pointer pointer size_t pointer pointer size_t], :int,
                    blocking: true
    attach_function :apns_channels_delete, %i[pointer string pointer size_t], :int, blocking: true
    attach_function :apns_channels_close, [:pointer], :int, blocking: true
    attach_function :apns_channels_destroy, [:pointer], :void, blocking: true

    # Logging: void (*)(void *ctx, uint32_t level, const char *target, const char *message), the
    # strings borrowed for the call; served only inside apns_log_poll and apns_pusher_poll.
    callback :log_fn, %i[pointer uint32 string string], :void
    attach_function :apns_set_log_callback, %i[log_fn pointer uint32], :int
    attach_function :apns_log_poll, %i[size_t pointer], :int

    # Mock server.
    attach_function :apns_mock_new, [:pointer], :int
    attach_function :apns_mock_set_protocol, %i[pointer string], :int
    attach_function :apns_mock_reject_token, %i[pointer string uint8], :int
    attach_function :apns_mock_reject_token_http2, %i[pointer string uint16 string], :int
    attach_function :apns_mock_set_drop_after, %i[pointer uint64], :int
    attach_function :apns_mock_set_shutdown_after, %i[pointer uint64], :int
    attach_function :apns_mock_set_close_silently_after, %i[pointer uint64], :int
    attach_function :apns_mock_set_stall_after, %i[pointer uint64], :int
    attach_function :apns_mock_set_expire_token_after, %i[pointer uint64], :int
    attach_function :apns_mock_set_error_delay_ms, %i[pointer uint64], :int
    attach_function :apns_mock_set_record_payloads, %i[pointer bool], :int
    attach_function :apns_mock_set_require_client_cert, %i[pointer bool], :int
    attach_function :apns_mock_set_max_channels, %i[pointer uint64], :int
    attach_function :apns_mock_add_feedback, %i[pointer uint32 string], :int
    attach_function :apns_mock_start, [:pointer], :int, blocking: true
    attach_function :apns_mock_config_apply, %i[pointer pointer], :int
    attach_function :apns_mock_port, [:pointer], :uint16
    attach_function :apns_mock_feedback_port, [:pointer], :uint16
    attach_function :apns_mock_channel_port, [:pointer], :uint16
    attach_function :apns_mock_accepted_count, [:pointer], :uint64
    attach_function :apns_mock_markers, [:pointer], :uint64
    attach_function :apns_mock_connections, [:pointer], :uint64
    attach_function :apns_mock_accepted_json, %i[pointer pointer size_t pointer], :int
    attach_function :apns_mock_rejected_json, %i[pointer pointer size_t pointer], :int
    attach_function :apns_mock_http2_requests_json, %i[pointer pointer size_t pointer], :int
    attach_function :apns_mock_channels_json, %i[pointer pointer size_t pointer], :int
    attach_function :apns_mock_wait_accepted, %i[pointer uint64 int64], :int, blocking: true
    attach_function :apns_mock_clear, [:pointer], :int
    attach_function :apns_mock_stop, [:pointer], :int, blocking: true
    attach_function :apns_mock_destroy, [:pointer], :void, blocking: true

    OK = 0
    ERR_BAD_TOKEN = 100
    ERR_INVALID_JSON = 102
    ERR_INVALID_ARGUMENT = 103
    ERR_QUEUE_FULL = 400
    ERR_CLOSED = 401
    ERR_TIMEOUT = 402
    ERR_BUFFER_TOO_SMALL = 501
    ERRBUF_LEN = 512
    CHANNEL_ID_BUF = 257 # APNS_CHANNEL_ID_BUF

    module_function

    # Raises the Apnspush::Error subclass for `result` unless it is APNS_OK.
    def check!(result, message = nil)
      return if result == OK

      raise Apnspush::Error.for_result(result, message)
    end

    # Calls the block with a fresh (errbuf, errlen) pair, then checks its result, using the
    # errbuf text as the message.
    def with_errbuf
      errbuf = FFI::MemoryPointer.new(:char, ERRBUF_LEN)
      result = yield errbuf, ERRBUF_LEN
      check!(result, errbuf.read_string)
    end

    # Yields a `T **out` output parameter to a constructor call; returns the new handle.
    def new_handle
      out = FFI::MemoryPointer.new(:pointer)
      check!(yield(out))
      out.read_pointer
    end

    # Reads a text output with the (buf, len, needed) convention, retrying with the size the
    # library asks for.
    def read_text(size = 4096)
      needed = FFI::MemoryPointer.new(:size_t)
      # The text can grow between the calls (a running mock's record): ask again.
      8.times do
        buf = FFI::MemoryPointer.new(:char, size)
        result = yield buf, size, needed
        return buf.read_string.force_encoding(Encoding::UTF_8) if result == OK
        raise Apnspush::Error.for_result(result) unless result == ERR_BUFFER_TOO_SMALL

        size = needed.read(:size_t)
      end
      raise Apnspush::Error.for_result(ERR_BUFFER_TOO_SMALL)
    end

    # Milliseconds for a timeout in seconds; nil (no limit) is -1.
    def timeout_ms(seconds)
      seconds.nil? ? -1 : (seconds * 1000).ceil
    end
  end
end
