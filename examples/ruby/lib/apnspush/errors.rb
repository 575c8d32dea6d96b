# frozen_string_literal: true

module Apnspush
  # The base of every error raised by this library. `code` is the C result name
  # ("APNS_ERR_BAD_TOKEN"), the same string in every language; `result` is its number.
  class Error < StandardError
    attr_reader :code, :result

    def initialize(message = nil, code: nil, result: nil)
      super(message)
      @code = code
      @result = result
    end

    # The subclass for each C result value, filled in from apns_result_all below.
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

  GROUPS = { 1 => InputError, 2 => ConfigError, 3 => TransportError, 4 => StateError,
             5 => BoundaryError }.freeze
  private_constant :GROUPS

  # One class per result, named after it: APNS_ERR_QUEUE_FULL → Apnspush::QueueFullError.
  count = FFI::MemoryPointer.new(:size_t)
  all = Native.apns_result_all(count)
  all.read_array_of_int(count.read(:size_t)).each do |result|
    next if result == Native::OK

    name = Native.apns_result_name(result).delete_prefix("APNS_ERR_")
    class_name = "#{name.split('_').map(&:capitalize).join}Error"
    Error::CLASSES[result] = const_set(class_name, Class.new(GROUPS.fetch(result / 100, Error)))
  end
  Error::CLASSES.freeze
end
