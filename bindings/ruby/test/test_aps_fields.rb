# frozen_string_literal: true

# The whole `aps` dictionary from Ruby: every option reaches the HTTP/2 mock as the exact JSON
# payload it recorded; a critical alert and a time-sensitive one; values the library refuses
# (named by the core), wrong Ruby types (named at Notification.new), and a payload together with
# any of these fields, each refused with nothing sent.
# Run: ruby bindings/ruby/test/test_aps_fields.rb

require "minitest/autorun"
require_relative "../lib/apnspush"
require_relative "mock_helpers"

class TestApsFields < Minitest::Test
  include MockHelpers

  def start(mock_options = {}, config = {})
    super({ protocol: "http2" }.merge(mock_options), config)
  end

  # The payload text the mock recorded for the one notification it accepted for `token_hex`.
  def recorded_payload_text(token_hex)
    accepted = @mock.accepted.select { |a| a[:token] == token_hex }
    assert_equal 1, accepted.size, "one accepted for #{token_hex}"
    accepted.first.fetch(:payload)
  end

  def recorded_push_type(token_hex)
    @mock.http2_requests.find { |r| r[:token] == token_hex }&.fetch(:push_type)
  end

  def test_every_aps_option_builds_the_exact_payload_the_mock_records
    start
    outcome = @pusher.ensure_push(
      Apnspush::Notification.new(
        token: token(1), alert: { title: "T", body: "B" }, alert_subtitle: "S",
        alert_launch_image: "launch.png", alert_title_loc_key: "TITLE_KEY", alert_title_loc_args: %w[t1 t2],
        alert_subtitle_loc_key: "SUB_KEY", alert_subtitle_loc_args: [], alert_loc_key: "BODY_KEY",
        alert_loc_args: ["b1", "é"], badge: 3, sound: { name: "siren.caf", critical: true, volume: 0.75 },
        category: "MSG", thread_id: "th-1", content_available: true, mutable_content: true,
        target_content_id: "window-1", interruption_level: "critical", relevance_score: 0.5,
        filter_criteria: "work", url_args: ["boarding", "A12"],
        custom: { "acme" => { "ids" => [1, 2.5, nil, true] }, "n" => 7, "s" => "x", "z" => nil }
      ),
      timeout: 30
    )

    assert_equal :accepted, outcome.kind
    assert_equal '{"acme":{"ids":[1,2.5,null,true]},' \
                 '"aps":{"alert":{"body":"B","launch-image":"launch.png","loc-args":["b1","é"],' \
                 '"loc-key":"BODY_KEY","subtitle":"S","subtitle-loc-args":[],"subtitle-loc-key":"SUB_KEY",' \
                 '"title":"T","title-loc-args":["t1","t2"],"title-loc-key":"TITLE_KEY"},' \
                 '"badge":3,"category":"MSG","content-available":1,"filter-criteria":"work",' \
                 '"interruption-level":"critical","mutable-content":1,"relevance-score":0.5,' \
                 '"sound":{"critical":1,"name":"siren.caf","volume":0.75},"target-content-id":"window-1",' \
                 '"thread-id":"th-1","url-args":["boarding","A12"]},"n":7,"s":"x","z":null}',
                 recorded_payload_text(token(1))
    assert_equal "alert", recorded_push_type(token(1))
  end

  def test_a_critical_alert_and_a_time_sensitive_one
    start
    @pusher.ensure_delivery(timeout: 30) do
      @pusher.push!(token: token(1), alert: { title: "Flood warning", body: "Leave now" },
                    sound: { "name" => "alarm.caf", "critical" => true, "volume" => 1 },
                    interruption_level: "critical")
      @pusher.push!(token: token(2), alert: "Your ride is here", sound: "default",
                    interruption_level: "time-sensitive", relevance_score: 1)
    end

    assert_equal '{"aps":{"alert":{"body":"Leave now","title":"Flood warning"},"interruption-level":"critical",' \
                 '"sound":{"critical":1,"name":"alarm.caf","volume":1.0}}}',
                 recorded_payload_text(token(1))
    assert_equal '{"aps":{"alert":{"body":"Your ride is here"},"interruption-level":"time-sensitive",' \
                 '"relevance-score":1.0,"sound":"default"}}',
                 recorded_payload_text(token(2))
    assert_equal %w[alert alert], [recorded_push_type(token(1)), recorded_push_type(token(2))]
    assert_equal 2, @pusher.stats[:accepted]
  end

  def test_values_the_library_refuses_name_the_field_and_nothing_is_sent
    start
    cases = {
      { interruption_level: "urgent" } => /interruption-level "urgent" is unknown; the levels are \["passive", "active", "time-sensitive", "critical"\]/,
      { relevance_score: 1.5 } => /relevance-score must be from 0.0 to 1.0, not 1.5/,
      { relevance_score: -1 } => /relevance-score must be from 0.0 to 1.0, not -1/,
      { sound: { name: "siren.caf", critical: true, volume: -0.1 } } => /sound volume must be from 0.0 to 1.0, not -0.1/,
      { sound: { name: "siren.caf", critical: true, volume: Float::NAN } } => /sound volume must be from 0.0 to 1.0, not NaN/,
      { sound: { name: "", critical: true, volume: 0.5 } } => /sound name is empty/,
      { alert_loc_args: ["x"] } => /alert loc-args was set without alert loc-key/,
      { alert_title_loc_args: ["x"] } => /alert title-loc-args was set without alert title-loc-key/,
      { alert_subtitle_loc_args: ["x"] } => /alert subtitle-loc-args was set without alert subtitle-loc-key/,
      { alert_loc_key: "" } => /alert loc-key is empty/,
      { alert_title_loc_key: "" } => /alert title-loc-key is empty/
    }
    cases.each do |fields, message|
      error = assert_raises(Apnspush::InvalidArgumentError, fields.inspect) do
        @pusher.push!({ token: token(1), alert: "x" }.merge(fields))
      end
      assert_equal "APNS_ERR_INVALID_ARGUMENT", error.code
      assert_match message, error.message, fields.inspect
    end
    assert_equal 0, @pusher.stats[:pushed]
    @pusher.ensure_delivery(timeout: 10)
    assert_empty @mock.http2_requests
  end

  def test_wrong_types_are_refused_at_notification_new_naming_the_option
    start
    cases = {
      { alert_subtitle: 5 } => "alert_subtitle: expected String or Symbol, got Integer",
      { alert_loc_args: "one" } => "alert_loc_args: expected Array, got String",
      { alert_loc_args: ["one", 2] } => "alert_loc_args[1]: expected String, got Integer",
      { url_args: [nil] } => "url_args[0]: expected String, got NilClass",
      { alert_title_loc_args: ["a\0b"] } => "alert_title_loc_args[0]: contains a NUL byte",
      { relevance_score: "0.5" } => "relevance_score: expected Integer or Float, got String",
      { interruption_level: 3 } => "interruption_level: expected String or Symbol, got Integer",
      { target_content_id: [] } => "target_content_id: expected String or Symbol, got Array",
      { filter_criteria: 1.0 } => "filter_criteria: expected String or Symbol, got Float",
      { sound: 1 } => "sound: expected String or Symbol or Hash, got Integer",
      { sound: { name: "x", critical: true, volume: "loud" } } => "sound volume: expected Integer or Float, got String",
      { sound: { name: 1, critical: true, volume: 0.5 } } => "sound name: expected String or Symbol, got Integer",
      { alert: { subtitle: "S" } } => "alert: only :title and :body go in the Hash"
    }
    cases.each do |fields, message|
      error = assert_raises(Apnspush::InvalidArgumentError, fields.inspect) do
        Apnspush::Notification.new(token: token(1), **fields)
      end
      assert_includes error.message, message
      assert_raises(Apnspush::InvalidArgumentError, fields.inspect) { @pusher.push!({ token: token(1) }.merge(fields)) }
    end
    # The Hash sound is the critical one, with all three keys.
    [{ name: "x", volume: 0.5 }, { name: "x", critical: false, volume: 0.5 }, { name: "x", critical: true },
     { name: "x", critical: true, volume: 0.5, extra: 1 }].each do |sound|
      error = assert_raises(Apnspush::InvalidArgumentError, sound.inspect) do
        Apnspush::Notification.new(token: token(1), sound: sound)
      end
      assert_includes error.message, "sound: a Hash is the critical-alert sound {name:, critical: true, volume:}"
    end
    error = assert_raises(Apnspush::InvalidArgumentError) { Apnspush::Notification.new(token: token(1), loc_key: "K") }
    assert_includes error.message, "unknown notification field loc_key; the fields are token, payload, alert, "
    assert_equal 0, @pusher.stats[:pushed]
  end

  def test_a_payload_with_any_aps_field_is_refused_naming_it
    start
    given = {
      alert_subtitle: ["S", "alert subtitle"], alert_launch_image: ["l.png", "alert launch-image"],
      alert_title_loc_key: ["K", "alert title-loc-key"], alert_title_loc_args: [[], "alert title-loc-args"],
      alert_subtitle_loc_key: ["K", "alert subtitle-loc-key"],
      alert_subtitle_loc_args: [["a"], "alert subtitle-loc-args"],
      alert_loc_key: ["K", "alert loc-key"], alert_loc_args: [["a"], "alert loc-args"],
      sound: [{ name: "s", critical: true, volume: 0.5 }, "sound"],
      target_content_id: ["w", "target-content-id"], interruption_level: ["passive", "interruption-level"],
      relevance_score: [0.1, "relevance-score"], filter_criteria: ["f", "filter-criteria"],
      url_args: [["u"], "url-args"]
    }
    given.each do |field, (value, name)|
      error = assert_raises(Apnspush::InvalidArgumentError, field.to_s) do
        @pusher.push!(token: token(2), payload: { aps: { alert: "p" } }, field => value)
      end
      assert_match(/payload was given together with the fields it is built from \(#{name}\)/, error.message)
    end
    @pusher.ensure_push({ token: token(3), payload: { aps: { alert: "after" } } }, timeout: 30)

    assert_equal 1, @pusher.stats[:pushed]
    assert_equal [token(3)], @mock.accepted.map { |a| a[:token] }
  end
end
