# frozen_string_literal: true

module Apnspush
  GROUPS = { 1 => InputError, 2 => ConfigError, 3 => TransportError, 4 => StateError,
             5 => BoundaryError }.freeze
  private_constant :GROUPS

  # One class per C result, named after it: APNS_ERR_QUEUE_FULL → Apnspush::QueueFullError,
  # read from the library's own table (apns_result_all).
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
