# frozen_string_literal: true

module Apnspush
  # Turns a configuration Hash into a C apns_conf. Nothing here is public API.
  #
  # The Hash holds the flat keys of docs/CONFIG.md (symbol or string keys; values are converted
  # with to_s, true/false to "true"/"false", nil restores a default), plus the special key :mock
  # (a running MockServer), whose connection settings are applied first. Each key is validated
  # when set: UnknownConfigKeyError, InvalidConfigValueError.
  module Config
    # Yields a C conf built from `config` and frees it afterwards; returns the block's value.
    def self.with_native(config)
      conf = Native.new_handle { |out| Native.apns_conf_new(out) }
      begin
        apply(conf, config)
        yield conf
      ensure
        Native.apns_conf_destroy(conf)
      end
    end

    def self.apply(conf, config)
      config = config.transform_keys(&:to_s)
      mock = config.delete("mock")
      unless mock.nil? || mock.is_a?(MockServer)
        raise Error.for_result(Native::ERR_INVALID_ARGUMENT,
                               "mock: expected an Apnspush::MockServer, got #{mock.class}")
      end
      mock&.apply_to(conf)
      config.each do |key, value|
        text = value.nil? ? "" : value.to_s
        Native.with_errbuf { |errbuf, len| Native.apns_conf_set(conf, key, text, errbuf, len) }
      end
    end
    private_class_method :apply
  end
end
