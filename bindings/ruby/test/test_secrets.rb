# frozen_string_literal: true

# No key material in any message: a PEM text given to a *_file key is refused without being
# echoed; malformed PEM in the *_pem keys and a PEM-looking cert_p12_password fail (at set or at
# Pusher.new) with errors that quote no line of the PEM body; nor does stats[:last_error].
# Assertion messages never include the error text or the key.
# Run: ruby bindings/ruby/test/test_secrets.rb

require "minitest/autorun"
require "securerandom"
require "tmpdir"
require_relative "../lib/apnspush"

class TestSecrets < Minitest::Test
  FILE_KEYS = %w[cert_file key_file ca_file cert_p12_file auth_key_file].freeze
  OFFLINE = { protocol: "http2", host: "127.0.0.1", port: 9 }.freeze

  # A generated PEM text: the size of a P-256 PKCS#8 key, random bytes, 64-character lines.
  def generated_pem(label)
    body = [SecureRandom.random_bytes(138)].pack("m0").scan(/.{1,64}/)
    (["-----BEGIN #{label}-----"] + body + ["-----END #{label}-----", ""]).join("\n")
  end

  def body_lines(pem)
    pem.lines.map(&:strip).reject { |l| l.empty? || l.start_with?("-----") }
  end

  # A PEM as an environment variable may mangle it: intact, line breaks lost, escaped.
  def variants(pem)
    { intact: pem, spaces: pem.tr("\n", " "), escaped: pem.gsub("\n", "\\n") }
  end

  def assert_clean(text, pem, what)
    body_lines(pem).each_with_index do |line, i|
      refute text.include?(line), "#{what}: the message quotes line #{i} of the PEM body"
    end
  end

  def error_of(klass, what)
    yield
    flunk "#{what}: no error"
  rescue klass => e
    e
  end

  def test_file_keys_refuse_pem_text_without_echoing_it
    pem = generated_pem("PRIVATE KEY")
    FILE_KEYS.each do |key|
      variants(pem).each do |how, value|
        e = error_of(Apnspush::InvalidConfigValueError, key) { Apnspush::Pusher.new(OFFLINE.merge(key => value)) }
        assert e.message.include?("#{key}: the value looks like PEM text, not a path"), "#{key} (#{how})"
        assert_clean("#{e.message} #{e.full_message}", pem, "#{key} (#{how})")
      end
      e = error_of(Apnspush::InvalidConfigValueError, key) do
        Apnspush::Pusher.new(OFFLINE.merge(key => "/#{'k' * 4096}"))
      end
      assert e.message.include?("longer than any path")
      refute e.message.include?("kkkk")
    end
  end

  def test_malformed_pem_fails_at_pusher_new_without_echoing_it
    bad_key = generated_pem("PRIVATE KEY")
    variants(bad_key).each do |how, value|
      e = error_of(Apnspush::CredentialsError, how) do
        Apnspush::Pusher.new(OFFLINE.merge(auth_key_pem: value, key_id: "K", team_id: "T"))
      end
      assert e.message.include?("auth key: "), how.to_s
      assert_clean(e.message, bad_key, "auth_key_pem #{how}")
    end
    key = generated_pem("PRIVATE KEY")
    cert = generated_pem("CERTIFICATE")
    { "cert_pem/key_pem" => ->(k, c) { { cert_pem: c, key_pem: k } },
      "ca_pem" => ->(_k, c) { { ca_pem: c } } }.each do |what, pairs|
      %i[intact spaces escaped].each do |how|
        e = error_of(Apnspush::CredentialsError, what) do
          Apnspush::Pusher.new(OFFLINE.merge(pairs.call(variants(key)[how], variants(cert)[how])))
        end
        assert_clean(e.message, key, "#{what} #{how}")
        assert_clean(e.message, cert, "#{what} #{how}")
      end
    end
  end

  def test_the_p12_password_is_never_quoted
    password = generated_pem("PRIVATE KEY")
    Dir.mktmpdir do |dir|
      not_p12 = File.join(dir, "not.p12")
      File.write(not_p12, "not a PKCS#12 file")
      ["/nonexistent/apnspush-test/cert.p12", not_p12].each do |path|
        e = error_of(Apnspush::CredentialsError, path) do
          Apnspush::Pusher.new(OFFLINE.merge(cert_p12_file: path, cert_p12_password: password))
        end
        assert e.message.include?(path)
        assert_clean(e.message, password, "cert_p12_password")
      end
    end
  end

  def test_invalid_values_and_unknown_keys_are_not_quoted
    pem = generated_pem("PRIVATE KEY")
    %w[protocol topic key_id connections].each do |key|
      e = error_of(Apnspush::InvalidConfigValueError, key) { Apnspush::Pusher.new(key => pem) }
      assert e.message.include?("not shown"), key
      assert_clean(e.message, pem, key)
    end
    e = error_of(Apnspush::UnknownConfigKeyError, "unknown key") { Apnspush::Pusher.new(pem => "x") }
    assert_clean(e.message, pem, "unknown key")
  end

  def test_last_error_never_quotes_secrets
    password = generated_pem("PRIVATE KEY")
    mock = Apnspush::MockServer.new(protocol: "http2", require_client_cert: false)
    pusher = Apnspush::Pusher.new(mock.config.merge(cert_p12_password: password, reconnect_backoff_ms: 10))
    token = ("5a" * 24) + format("%016x", 1)
    assert_equal :accepted, pusher.ensure_push({ token: token, alert: "n1" }, timeout: 120).kind
    mock.stop
    pusher.push!({ token: token, alert: "n2" })
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + 120
    while pusher.stats[:last_error].empty?
      assert Process.clock_gettime(Process::CLOCK_MONOTONIC) < deadline, "no last_error"
      sleep 0.01
    end
    assert_clean(pusher.stats[:last_error], password, "last_error")
    assert_clean(pusher.stats.to_s, password, "stats")
  ensure
    pusher&.destroy
    mock&.destroy
  end
end
