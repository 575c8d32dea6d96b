# frozen_string_literal: true

module Apnspush
  # The gem's version: the workspace version of libapnspush it is written for
  # (test/test_packaging.rb checks it against the loaded library and Cargo.toml).
  VERSION = "0.1.0"
end
