# frozen_string_literal: true

# Ruby bindings for libapnspush over the ffi gem: Apnspush::Pusher, Notification, Outcome,
# MockServer and the Apnspush::Error hierarchy. See docs/RUBY_ERLANG.md.
require_relative "apnspush/native"
require_relative "apnspush/errors"
require_relative "apnspush/outcome"
require_relative "apnspush/notification"
require_relative "apnspush/pusher"
require_relative "apnspush/mock_server"

module Apnspush
  # The version of the loaded library ("MAJOR.MINOR.PATCH").
  def self.version
    Native.apns_version
  end
end
