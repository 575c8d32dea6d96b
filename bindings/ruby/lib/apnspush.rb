# frozen_string_literal: true

# Ruby bindings for libapnspush over the ffi gem: Apnspush::Pusher, Notification, Outcome,
# Feedback, Channels, MockServer and the Apnspush::Error hierarchy. See docs/RUBY.md.
require_relative "apnspush/version"
require_relative "apnspush/errors"
require_relative "apnspush/native"
require_relative "apnspush/result_errors"
require_relative "apnspush/fields"
require_relative "apnspush/logging"
require_relative "apnspush/config"
require_relative "apnspush/outcome"
require_relative "apnspush/notification"
require_relative "apnspush/pusher"
require_relative "apnspush/feedback"
require_relative "apnspush/mock_server"
require_relative "apnspush/channels"

module Apnspush
  # The version of the loaded library ("MAJOR.MINOR.PATCH").
  def self.version
    Native.apns_version
  end

  # The library that was loaded: a path, or "libapnspush.so" when the system loader found it.
  def self.library_path
    Native::LIBRARY
  end
end
