# frozen_string_literal: true

# Every notification option and every outcome field, checked against what the HTTP/2 mock
# recorded (payload, apns-id and the delivery headers) and what the pusher reported; the
# payload-with-its-fields refusal; the feedback service.
# Run: ruby bindings/ruby/test/test_notification_options.rb

require "minitest/autorun"
require_relative "../lib/apnspush"
require_relative "mock_helpers"

class TestNotificationOptions < Minitest::Test
  include MockHelpers

  APNS_ID = "123e4567-e89b-12d3-a456-426614174000"

  def start(mock_options = {}, config = {})
    super({ protocol: "http2" }.merge(mock_options), config)
  end

  def recorded_request(token_hex)
    requests = @mock.http2_requests.select { |r| r[:token] == token_hex }
    assert_equal 1, requests.size, "one request for #{token_hex}"
    requests.first
  end

  def recorded_payload(token_hex)
    accepted = @mock.accepted.select { |a| a[:token] == token_hex }
    assert_equal 1, accepted.size, "one accepted for #{token_hex}"
    JSON.parse(accepted.first.fetch(:payload))
  end

  def test_every_option_reaches_the_mock_and_every_outcome_field_is_reported
    start
    expiry = Time.now.to_i + 3_600
    outcome = @pusher.ensure_push(
      Apnspush::Notification.new(
        token: token(1), alert: { title: "T", body: "B" }, badge: 3, sound: "ping.aiff",
        category: "MSG", thread_id: "th-1", content_available: true, mutable_content: true,
        custom: { "acme" => { "n" => 1 }, "list" => [1, 2] }, expiry: Time.at(expiry), priority: 5,
        topic: "com.example.app", push_type: "alert", collapse_id: "c-1", apns_id: APNS_ID,
        user_data: 2**64 - 1
      ),
      timeout: 30
    )

    assert_equal Apnspush::Outcome.new(id: 1, kind: :accepted, status: 200, reason: "", error: nil,
                                       timestamp: nil, apns_id: APNS_ID, attempts: 1, confirmed: true,
                                       token: token(1), user_data: 2**64 - 1),
                 outcome
    assert_equal({ "aps" => { "alert" => { "title" => "T", "body" => "B" }, "badge" => 3,
                              "sound" => "ping.aiff", "category" => "MSG", "thread-id" => "th-1",
                              "content-available" => 1, "mutable-content" => 1 },
                   "acme" => { "n" => 1 }, "list" => [1, 2] },
                 recorded_payload(token(1)))
    assert_equal [APNS_ID], @mock.accepted.map { |a| a[:apns_id] }
    assert_equal({ token: token(1), expiration: expiry.to_s, push_type: "alert", topic: "com.example.app",
                   priority: "5", collapse_id: "c-1" },
                 recorded_request(token(1)))
  end

  def test_unset_options_send_no_header_and_expiry_zero_is_sent
    start
    @pusher.ensure_delivery(timeout: 30) do
      @pusher.push!(token: token(1), alert: "plain")
      @pusher.push!(token: token(2), alert: "now or never", expiry: 0)
      @pusher.push!(token: token(3), content_available: true)
    end

    assert_equal({ token: token(1), expiration: nil, push_type: "alert", topic: nil, priority: "10",
                   collapse_id: nil },
                 recorded_request(token(1)))
    assert_equal "0", recorded_request(token(2))[:expiration]
    assert_equal "background", recorded_request(token(3))[:push_type]
    assert_equal({ "aps" => { "alert" => { "body" => "plain" } } }, recorded_payload(token(1)))
    assert_equal({ "aps" => { "content-available" => 1 } }, recorded_payload(token(3)))
    assert_equal 3, @pusher.stats[:accepted]
  end

  def test_token_as_bytes_and_payload_as_hash_or_json_text
    start
    bytes = [token(7)].pack("H*")
    assert_equal Encoding::BINARY, bytes.encoding
    first = @pusher.ensure_push({ token: bytes, payload: { aps: { alert: "from bytes" }, k: 1 } }, timeout: 30)
    second = @pusher.ensure_push({ token: token(8).upcase, payload: '{"aps":{"badge":9}}' }, timeout: 30)

    assert_equal [:accepted, token(7)], [first.kind, first.token_hex]
    assert_equal [:accepted, token(8)], [second.kind, second.token_hex]
    assert_equal({ "aps" => { "alert" => "from bytes" }, "k" => 1 }, recorded_payload(token(7)))
    assert_equal({ "aps" => { "badge" => 9 } }, recorded_payload(token(8)))
    refute_nil first.apns_id, "the pusher generates an apns-id when none is given"
    assert_equal [first.apns_id, second.apns_id], @mock.accepted.map { |a| a[:apns_id] }
  end

  def test_a_410_outcome_carries_status_reason_and_the_mock_s_timestamp
    start(reject_http2: { token(5) => [410, "Unregistered"] })
    before = (Time.now.to_f * 1000).floor
    gone = @pusher.ensure_push({ token: token(5), alert: "x", apns_id: APNS_ID, user_data: 5 }, timeout: 30)
    after = (Time.now.to_f * 1000).ceil

    assert_equal [:rejected, 410, "Unregistered", nil, APNS_ID, 1, token(5), 5],
                 [gone.kind, gone.status, gone.reason, gone.error, gone.apns_id, gone.attempts,
                  gone.token_hex, gone.user_data]
    assert_includes before..after, gone.timestamp
    assert_equal [{ apns_id: APNS_ID, token: token(5), status: 410, reason: "Unregistered",
                    timestamp: gone.timestamp }],
                 @mock.rejected.map { |r| r.slice(:apns_id, :token, :status, :reason, :timestamp) }
    assert_equal 0, @mock.accepted_count
  end

  def test_a_payload_with_the_fields_it_is_built_from_is_refused_and_nothing_is_lost
    start
    # Every field a payload is built from, each with the name the error gives it.
    given = { alert: ["a", "alert body"], badge: [1, "badge"], sound: ["s", "sound"], category: ["c", "category"],
              thread_id: ["t", "thread-id"], content_available: [false, "content-available"],
              mutable_content: [true, "mutable-content"], custom: [{ "k" => 1 }, "custom keys"] }
    @pusher.push!(token: token(1), alert: "before")
    given.each do |field, (value, name)|
      notification = Apnspush::Notification.new(token: token(2), payload: { aps: { alert: "p" } }, field => value)
      error = assert_raises(Apnspush::InvalidArgumentError, field.to_s) { @pusher.push!(notification) }
      assert_equal "APNS_ERR_INVALID_ARGUMENT", error.code
      assert_kind_of Apnspush::InputError, error
      assert_match(/payload was given together with the fields it is built from \(#{name}\)/, error.message)
      assert_raises(Apnspush::InvalidArgumentError, field.to_s) { @pusher.push(notification, timeout: 5) }
      assert_raises(Apnspush::InvalidArgumentError, field.to_s) { @pusher.ensure_push(notification.to_h, timeout: 5) }
    end
    @pusher.push!(token: token(3), payload: { aps: { alert: "after" } })
    @pusher.ensure_delivery(timeout: 30)

    assert_equal 2, @pusher.stats[:pushed]
    assert_equal 2, @pusher.stats[:accepted]
    assert_equal [token(1), token(3)], @mock.accepted.map { |a| a[:token] }
    assert_empty @mock.rejected
    assert_empty @pusher.failed_notifications
  end

  def test_wrong_types_and_unknown_fields_are_refused_at_the_call
    start
    cases = [
      [Apnspush::BadTokenError, { alert: "no token" }],
      [Apnspush::InvalidArgumentError, { token: token(1), badge: "3" }],
      [Apnspush::InvalidArgumentError, { token: token(1), badge: -1 }],
      [Apnspush::InvalidArgumentError, { token: token(1), alert: 5 }],
      [Apnspush::InvalidArgumentError, { token: token(1), content_available: 1 }],
      [Apnspush::InvalidArgumentError, { token: token(1), custom: [1] }],
      [Apnspush::InvalidArgumentError, { token: token(1), expiry: "tomorrow" }],
      [Apnspush::InvalidArgumentError, { token: token(1), expiry: -1 }],
      [Apnspush::InvalidArgumentError, { token: token(1), user_data: -1 }],
      [Apnspush::InvalidArgumentError, { token: token(1), user_data: 2**64 }],
      [Apnspush::InvalidArgumentError, { token: token(1), priority: 7 }],
      [Apnspush::InvalidArgumentError, { token: token(1), apns_id: "not-a-uuid" }],
      [Apnspush::InvalidArgumentError, { token: token(1), colour: "red" }],
      [Apnspush::InvalidArgumentError, { token: token(1), custom: { "aps" => 1 } }],
      [Apnspush::InvalidJsonError, { token: token(1), custom: { "k" => Float::NAN } }],
      [Apnspush::InvalidJsonError, { token: token(1), payload: { aps: {}, k: Float::INFINITY } }],
      [Apnspush::InvalidJsonError, { token: token(1), payload: "[1]" }],
      [Apnspush::BadTokenError, { token: [token(1)].pack("H*")[0, 5] }]
    ]
    cases.each do |klass, fields|
      assert_raises(klass, fields.inspect) { @pusher.push!(fields) }
    end
    assert_raises(Apnspush::InvalidArgumentError) { @pusher.push!("not a notification") }

    assert_equal 0, @pusher.stats[:pushed]
    @pusher.ensure_delivery(timeout: 10)
    assert_equal 0, @mock.accepted_count
    assert_empty @mock.http2_requests
  end

  def test_outcomes_over_the_binary_protocol_have_no_apns_id_and_no_timestamp
    @mock = Apnspush::MockServer.new(reject: { token(2) => 8 })
    @pusher = Apnspush::Pusher.new(@mock.config)
    ok = @pusher.ensure_push({ token: token(1), alert: "x", user_data: 11 }, timeout: 30)
    bad = @pusher.ensure_push({ token: token(2), alert: "x", user_data: 12 }, timeout: 30)

    assert_equal [1, :accepted, 0, nil, nil, nil, 1, token(1), 11],
                 [ok.id, ok.kind, ok.status, ok.error, ok.timestamp, ok.apns_id, ok.attempts, ok.token_hex,
                  ok.user_data]
    assert_equal [2, :rejected, 8, nil, nil, nil, token(2), 12],
                 [bad.id, bad.kind, bad.status, bad.error, bad.timestamp, bad.apns_id, bad.token_hex,
                  bad.user_data]
    assert_equal [[2, token(2), 8]], @mock.rejected.map { |r| [r[:identifier], r[:token], r[:status]] }
    assert_equal [[1, token(1)]], @mock.accepted.map { |a| [a[:identifier], a[:token]] }
  end

  def test_feedback_fetch_returns_the_mock_s_tuples_in_order
    tuples = [[1_700_000_000, token(1)], [1_700_000_100, token(2)]]
    Apnspush::MockServer.open(feedback: tuples) do |mock|
      assert_equal(tuples.map { |ts, hex| { timestamp: ts, token_hex: hex } }, Apnspush::Feedback.fetch(mock.config))
      assert_empty Apnspush::Feedback.fetch(mock.config), "the service forgets tuples once read"
    end
  end
end
