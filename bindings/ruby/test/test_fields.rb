# frozen_string_literal: true

# The stats keys and outcome fields are the core's one lists (apns_stats_fields_json,
# apns_outcome_fields_json), and docs/RUBY.md documents exactly those: a field added to the
# core and not to this face or its docs fails here.
# Run: ruby bindings/ruby/test/test_fields.rb

require "minitest/autorun"
require_relative "../lib/apnspush"

class TestFields < Minitest::Test
  DOC = File.expand_path("../../../docs/RUBY.md", __dir__)

  # The names in the first column of the table under the heading `heading` of docs/RUBY.md.
  def documented(heading)
    section = File.read(DOC)[/^#+ #{Regexp.escape(heading)}\n(.*?)(?=^#|\z)/m, 1]
    refute_nil section, "docs/RUBY.md has a #{heading} section"
    section.scan(/^\| `(\w+)` \|/).flatten.map(&:to_sym)
  end

  def test_stats_keys_are_the_core_s_list
    Apnspush::MockServer.open do |mock|
      Apnspush::Pusher.open(mock.config) do |pusher|
        assert_equal Apnspush::STATS_FIELDS, pusher.stats.keys
      end
    end
    assert_includes Apnspush::STATS_FIELDS, :pings_sent
    assert_equal :last_error, Apnspush::STATS_FIELDS.last
  end

  def test_outcome_members_are_the_core_s_list
    assert_equal Apnspush::OUTCOME_FIELDS, Apnspush::Outcome.members
  end

  def test_the_docs_list_every_stats_key_and_outcome_field
    assert_equal Apnspush::STATS_FIELDS, documented("Stats")
    assert_equal Apnspush::OUTCOME_FIELDS, documented("Outcomes")
  end
end
