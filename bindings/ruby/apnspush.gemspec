# frozen_string_literal: true

require_relative "lib/apnspush/version"

Gem::Specification.new do |spec|
  spec.name = "apnspush"
  spec.version = Apnspush::VERSION
  spec.summary = "APNs provider engine: every notification gets exactly one final outcome"
  spec.description = "Ruby face of libapnspush (binary and HTTP/2 APNs, built-in mock server) " \
                     "over the ffi gem. Needs libapnspush.so: a repository build, APNSPUSH_LIB, " \
                     "or the system loader (scripts/install-c.sh)."
  spec.authors = ["apnspush developers"]
  spec.licenses = ["MIT", "Apache-2.0"]
  spec.required_ruby_version = ">= 3.0"
  spec.files = Dir.glob("lib/**/*.rb", base: __dir__).sort
  spec.require_paths = ["lib"]
  spec.add_dependency "ffi", "~> 1.15"
  spec.metadata["rubygems_mfa_required"] = "true"
end
