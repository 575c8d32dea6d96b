# frozen_string_literal: true

# Live Activities from Ruby: a start, an update and an end reach the HTTP/2 mock as the exact
# JSON payloads it recorded, with push type liveactivity and the topic suffixed
# .push-type.liveactivity; Apple's rules (the core's), a token together with a channel id, a bad
# channel id and wrong Ruby types are refused with nothing sent.
# Run: ruby bindings/ruby/test/test_live_activity.rb

require "minitest/autorun"
require_relative "../lib/apnspush"
require_relative "mock_helpers"

class TestLiveActivity < Minitest::Test
  include MockHelpers

  TOPIC = "com.example.app"
  CHANNEL = "dHN0LXNyY2gtY2hubA=="

  def start(mock_options = {}, config = {})
    super({ protocol: "http2" }.merge(mock_options), { topic: TOPIC }.merge(config))
  end

  # An update that the core accepts, plus `fields`.
  def update(fields = {})
    { token: token(1), event: "update", timestamp: 1_700_000_000, content_state: { score: "2-1" } }.merge(fields)
  end

  def test_start_update_and_end_reach_the_mock_as_apple_documents
    start
    kickoff = Apnspush::Notification.new(
      token: token(1), event: :start, timestamp: Time.at(1_700_000_000),
      content_state: { "score" => "0-0" }, attributes_type: "MatchAttributes",
      attributes: { home: "A", away: "B" }, alert: { title: "Kick-off", body: "A v B" }
    )
    outcomes = [
      @pusher.ensure_push(kickoff, timeout: 30),
      @pusher.ensure_push(update(token: token(2), stale_date: 1_700_000_600, relevance_score: 75, priority: 5),
                          timeout: 30),
      @pusher.ensure_push({ token: token(3), event: "end", timestamp: 1_700_003_600,
                            dismissal_date: 1_700_007_200 }, timeout: 30)
    ]

    assert_equal %i[accepted accepted accepted], outcomes.map(&:kind)
    assert_equal [token(1), token(2), token(3)], outcomes.map(&:token)
    assert_equal [nil, nil, nil], outcomes.map(&:channel_id)
    assert_equal [
      { token: token(1),
        payload: '{"aps":{"alert":{"body":"A v B","title":"Kick-off"},"attributes":{"away":"B","home":"A"},' \
                 '"attributes-type":"MatchAttributes","content-state":{"score":"0-0"},"event":"start",' \
                 '"timestamp":1700000000}}' },
      { token: token(2),
        payload: '{"aps":{"content-state":{"score":"2-1"},"event":"update","relevance-score":75.0,' \
                 '"stale-date":1700000600,"timestamp":1700000000}}' },
      { token: token(3),
        payload: '{"aps":{"dismissal-date":1700007200,"event":"end","timestamp":1700003600}}' }
    ], @mock.accepted.map { |a| a.slice(:token, :payload) }
    assert_equal [[token(1), "liveactivity", "#{TOPIC}.push-type.liveactivity", "10"],
                  [token(2), "liveactivity", "#{TOPIC}.push-type.liveactivity", "5"],
                  [token(3), "liveactivity", "#{TOPIC}.push-type.liveactivity", "10"]],
                 @mock.http2_requests.map { |r| r.values_at(:token, :push_type, :topic, :priority) }
  end

  def test_apples_rules_and_the_target_are_refused_naming_the_field_and_nothing_is_sent
    start
    cases = [
      [Apnspush::InvalidArgumentError, update(timestamp: nil), "a Live Activity update needs a timestamp"],
      [Apnspush::InvalidArgumentError, update(content_state: nil), "a Live Activity update needs a content-state"],
      [Apnspush::InvalidArgumentError, update(attributes: { home: "A" }),
       "attributes applies to a Live Activity start, not update"],
      [Apnspush::InvalidArgumentError, update(attributes_type: "MatchAttributes"),
       "attributes-type applies to a Live Activity start, not update"],
      [Apnspush::InvalidArgumentError, update(dismissal_date: 1_700_007_200),
       "dismissal-date applies to a Live Activity end, not update"],
      [Apnspush::InvalidArgumentError, update(event: "begin"), 'Live Activity event "begin" is unknown'],
      [Apnspush::InvalidArgumentError, update(event: "start"), "a Live Activity start needs attributes-type"],
      [Apnspush::InvalidArgumentError, update(relevance_score: -1), "Live Activity relevance-score must be a number from 0"],
      [Apnspush::InvalidArgumentError, update(channel_id: CHANNEL),
       "both a device token and a channel id were given: give one"],
      [Apnspush::InvalidArgumentError, update(token: nil, channel_id: "not base64!"),
       'channel id "not base64!" is not base64 text of 1 to 256 bytes'],
      [Apnspush::InvalidArgumentError, update(token: nil, channel_id: "A" * 257), "is not base64 text"],
      [Apnspush::InvalidArgumentError, { channel_id: CHANNEL, alert: "x" }, "liveactivity"],
      [Apnspush::InvalidArgumentError, update(payload: { aps: { alert: "p" } }),
       "a payload was given together with the fields it is built from (event, content-state, timestamp)"],
      [Apnspush::InvalidArgumentError, update(timestamp: -1), "timestamp: -1 is outside 0..18446744073709551615"],
      [Apnspush::InvalidJsonError, update(content_state: { score: Float::NAN }), "content_state: "]
    ]
    cases.each do |error_class, fields, message|
      error = assert_raises(error_class, fields.inspect) { @pusher.push!(fields) }
      assert_includes error.message, message, fields.inspect
    end
    assert_equal 0, @pusher.stats[:pushed]
    @pusher.ensure_delivery(timeout: 10)
    assert_empty @mock.http2_requests
  end

  def test_wrong_types_are_refused_at_notification_new_naming_the_option
    start
    cases = {
      { event: 5 } => "event: expected String or Symbol, got Integer",
      { content_state: '{"score":"2-1"}' } => "content_state: expected Hash, got String",
      { attributes: [1] } => "attributes: expected Hash, got Array",
      { attributes_type: {} } => "attributes_type: expected String or Symbol, got Hash",
      { timestamp: "1700000000" } => "timestamp: expected Integer or Time, got String",
      { stale_date: 1.5 } => "stale_date: expected Integer or Time, got Float",
      { dismissal_date: true } => "dismissal_date: expected Integer or Time, got TrueClass",
      { channel_id: 7 } => "channel_id: expected String or Symbol, got Integer"
    }
    cases.each do |fields, message|
      error = assert_raises(Apnspush::InvalidArgumentError, fields.inspect) do
        Apnspush::Notification.new(**update(fields))
      end
      assert_includes error.message, message
      assert_raises(Apnspush::InvalidArgumentError, fields.inspect) { @pusher.push!(update(fields)) }
    end
    error = assert_raises(Apnspush::BadTokenError) { Apnspush::Notification.new(event: "update") }
    assert_includes error.message, "token: missing (or a channel_id)"
    on_channel = Apnspush::Notification.new(**update(token: nil, channel_id: CHANNEL))
    assert_nil on_channel.token
    assert_equal CHANNEL, on_channel.channel_id
    assert_equal 0, @pusher.stats[:pushed]
  end
end
