# frozen_string_literal: true

# Broadcast channels from Ruby: Apnspush::Channels creates, reads, lists and deletes channels on
# the HTTP/2 mock's registry; a Live Activity update sent on a channel reaches the mock's
# gateway (what it recorded: the broadcast's channel, bundle id and exact payload, push type
# liveactivity, no topic) and its outcome names the channel; Apple's refusals are RejectedError
# with Apple's reason and status; a deleted channel's broadcast is rejected 404.
# Run: ruby bindings/ruby/test/test_channels.rb

require "minitest/autorun"
require_relative "../lib/apnspush"
require_relative "mock_helpers"

class TestChannels < Minitest::Test
  include MockHelpers

  TOPIC = "com.example.app"

  def start(mock_options = {}, config = {})
    super({ protocol: "http2" }.merge(mock_options), { topic: TOPIC }.merge(config))
    @channels = Apnspush::Channels.new(@mock.config.merge(topic: TOPIC))
  end

  def teardown
    @channels&.destroy
    super
  end

  def update_on(channel_id)
    { channel_id: channel_id, event: "update", timestamp: 1_700_000_000, content_state: { score: "2-1" } }
  end

  def test_create_get_list_delete_and_a_broadcast_on_the_channel
    start
    kept = @channels.create(:most_recent_message_stored)
    plain = @channels.create

    assert_match(%r{\A[A-Za-z0-9+/=]+\z}, kept)
    assert_equal({ channel_id: kept, message_storage_policy: :most_recent_message_stored, push_type: "LiveActivity" },
                 @channels.get(kept))
    assert_equal :no_message_stored, @channels.get(plain)[:message_storage_policy]
    assert_equal [kept, plain].sort, @channels.list.sort
    assert_equal [kept, plain].sort, @mock.channels[:apps].fetch(TOPIC).map { |c| c["channel-id"] }.sort

    outcome = @pusher.ensure_push(update_on(kept), timeout: 30)

    assert_equal [:accepted, kept, ""], [outcome.kind, outcome.channel_id, outcome.token]
    broadcasts = @mock.channels[:broadcasts]
    assert_equal [[TOPIC, kept, '{"aps":{"content-state":{"score":"2-1"},"event":"update","timestamp":1700000000}}']],
                 broadcasts.map { |b| b.values_at("bundle-id", "channel-id", "payload") }
    assert_equal [["", "liveactivity", nil]], @mock.http2_requests.map { |r| r.values_at(:token, :push_type, :topic) }

    assert_nil @channels.delete(kept)
    assert_equal [plain], @channels.list
    error = assert_raises(Apnspush::RejectedError) { @channels.get(kept) }
    assert_includes error.message, "ChannelNotRegistered (status 404)"
    assert_equal "APNS_ERR_REJECTED", error.code
    gone = @pusher.ensure_push(update_on(kept), timeout: 30)
    assert_equal [:rejected, 404, "ChannelNotRegistered", kept], [gone.kind, gone.status, gone.reason, gone.channel_id]
  end

  def test_refusals_are_typed_errors_naming_the_cause
    start({ max_channels: 1 })
    @channels.create
    error = assert_raises(Apnspush::RejectedError) { @channels.create }
    assert_includes error.message, "CannotCreateChannelConfig (status 400)"
    assert_raises(Apnspush::RejectedError) { @channels.delete("dW5rbm93bg==") }
    error = assert_raises(Apnspush::InvalidArgumentError) { @channels.get("not base64!") }
    assert_includes error.message, "not base64"
    error = assert_raises(Apnspush::InvalidArgumentError) { @channels.create(:keep_all) }
    assert_includes error.message, "policy: expected :no_message_stored or :most_recent_message_stored, got :keep_all"
    assert_raises(Apnspush::InvalidArgumentError) { @channels.create(2) }
    error = assert_raises(Apnspush::InvalidArgumentError) { @channels.get(7) }
    assert_includes error.message, "channel_id: expected a String"
    assert_equal 1, @channels.list.size
    @channels.close
    assert_raises(Apnspush::ClosedError) { @channels.list }
  end

  def test_a_client_without_a_topic_is_refused
    @mock = Apnspush::MockServer.new(protocol: "http2")
    error = assert_raises(Apnspush::InvalidConfigValueError) { Apnspush::Channels.new(@mock.config) }
    assert_includes error.message, "topic"
  end
end
