# frozen_string_literal: true

require "json"

module Apnspush
  # The core's one list of stats keys (Pusher#stats has exactly these, in this order).
  STATS_FIELDS = JSON.parse(Native.read_text { |buf, len, needed| Native.apns_stats_fields_json(buf, len, needed) })
                     .map(&:to_sym).freeze
  # The core's one list of outcome fields: the members of Outcome.
  OUTCOME_FIELDS = JSON.parse(Native.read_text { |buf, len, needed| Native.apns_outcome_fields_json(buf, len, needed) })
                       .map(&:to_sym).freeze
end
