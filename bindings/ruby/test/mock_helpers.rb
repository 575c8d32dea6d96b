# frozen_string_literal: true

# What the suites share: device tokens by index, and one mock with one pusher per test, both
# destroyed after it.
module MockHelpers
  # Device token `index`: 24 bytes of 0x5a, then the index big-endian, as hex.
  def token(index)
    ("5a" * 24) + format("%016x", index)
  end

  # Starts the mock (with `mock_options`) and a pusher to it (the mock's keys plus `config`).
  def start(mock_options = {}, config = {})
    @mock = Apnspush::MockServer.new(**mock_options)
    @pusher = Apnspush::Pusher.new(@mock.config.merge(config))
  end

  def teardown
    @pusher&.destroy
    @mock&.destroy
  end
end
