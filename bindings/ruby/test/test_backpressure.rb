# frozen_string_literal: true

# A full send queue: push! waits for room in slices the engine ends early, so another thread can
# interrupt it (Thread#raise, as Ctrl-C does) within a slice, and an interrupted push queued
# nothing; with block_when_full false it raises QueueFullError at once.
# Run: ruby bindings/ruby/test/test_backpressure.rb

require "minitest/autorun"
require_relative "../lib/apnspush"

class TestBackpressure < Minitest::Test
  Interrupted = Class.new(StandardError)

  def token(index)
    ("4b" * 24) + format("%016x", index)
  end

  def teardown
    @pusher&.destroy
    @mock&.destroy
  end

  # A gateway that answers only the first request per connection, and a queue of one.
  def start(config = {})
    @mock = Apnspush::MockServer.new(protocol: "http2", stall_after: 1)
    @pusher = Apnspush::Pusher.new(@mock.config.merge(queue_capacity: 1, close_timeout_ms: 200).merge(config))
  end

  def note(index)
    { token: token(index), payload: '{"aps":{"alert":"hi"}}' }
  end

  def test_a_push_waiting_for_room_can_be_interrupted_and_queues_nothing
    start
    queued = Queue.new
    pusher = Thread.new do
      i = 0
      loop do
        @pusher.push!(note(i))
        queued << i
        i += 1
      end
    rescue Interrupted
      :interrupted
    end
    sleep 0.05 until queued.size.positive? && @pusher.stats.fetch(:queued).positive?
    sleep 0.3 # now blocked in push! on the full queue
    pusher.raise(Interrupted)
    assert pusher.join(5), "push! ignored the interrupt for 5 s"
    assert_equal :interrupted, pusher.value
    assert_equal queued.size, @pusher.stats.fetch(:pushed), "the interrupted push queued nothing"
  end

  def test_without_block_when_full_a_full_queue_raises_at_once
    start(block_when_full: false)
    results = Array.new(3000) do |i|
      @pusher.push!(note(i))
      :queued
    rescue Apnspush::QueueFullError
      :refused
    end
    assert_includes results, :refused
    assert_equal results.count(:queued), @pusher.stats.fetch(:pushed)
  end
end
