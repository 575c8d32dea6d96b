# frozen_string_literal: true

module Apnspush
  # The base of every error raised by this library. `code` is the C result name
  # ("APNS_ERR_BAD_TOKEN"), the same string in every language; `result` is its number. Both are
  # nil for LibraryNotFoundError, which has no C result.
  class Error < StandardError
    attr_reader :code, :result

    def initialize(message = nil, code: nil, result: nil)
      super(message)
      @code = code
      @result = result
    end

    # The subclass for each C result value, filled in by result_errors.rb.
    CLASSES = {} # rubocop:disable Style/MutableConstant

    # An instance of the subclass for `result`, with `message` (or the library's description).
    def self.for_result(result, message = nil)
      klass = CLASSES.fetch(result, Error)
      name = Native.apns_result_name(result)
      text = message.nil? || message.empty? ? Native.apns_result_describe(result) : message
      klass.new("#{text} (#{name})", code: name, result: result)
    end
  end

  # Groups by origin, as the C result numbers are (100s, 200s, ...).
  class InputError < Error; end
  class ConfigError < Error; end
  class TransportError < Error; end
  class StateError < Error; end
  class BoundaryError < Error; end

  # Raised by `require "apnspush"` when libapnspush could not be loaded from any candidate.
  # `tried` lists each candidate (a path, or the bare name given to the system loader) with the
  # loader's message.
  class LibraryNotFoundError < Error
    attr_reader :tried

    def initialize(tried)
      @tried = tried
      lines = tried.map { |candidate, why| "  #{candidate}: #{why}" }
      super("libapnspush could not be loaded; tried, in order:\n#{lines.join("\n")}\n" \
            "Build it (cargo build --release -p apnspush-ffi), install it (scripts/install-c.sh), " \
            "or set APNSPUSH_LIB to its path.")
    end
  end
end
