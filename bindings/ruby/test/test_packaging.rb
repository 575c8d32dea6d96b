# frozen_string_literal: true

# Versions agree, and libapnspush is found in the documented order: APNSPUSH_LIB, the
# checkout's target/release, the system loader; LibraryNotFoundError names every candidate
# tried. Each loading case runs in a child ruby whose lib/ is a copy in a temporary tree.
# Run: ruby bindings/ruby/test/test_packaging.rb

require "minitest/autorun"
require "fileutils"
require "json"
require "open3"
require "rbconfig"
require "tmpdir"
require_relative "../lib/apnspush"

class TestPackaging < Minitest::Test
  GEM_ROOT = File.expand_path("..", __dir__)
  REPO_ROOT = File.expand_path("../../..", __dir__)
  BUILT = File.join(REPO_ROOT, "target/release/libapnspush.so")
  # The library this suite runs against (APNSPUSH_LIB or the checkout's build).
  LIB = Apnspush.library_path

  # What `require "apnspush"` did in a child ruby using the lib/ under `root`: {loaded:} or
  # {error:, tried:, apnspush_error:}.
  def load_in_child(root, env)
    script = <<~RUBY
      require "json"
      begin
        require "apnspush"
        puts JSON.generate(loaded: Apnspush.library_path, version: Apnspush.version)
      rescue Apnspush::LibraryNotFoundError => e
        puts JSON.generate(error: e.message, tried: e.tried, apnspush_error: e.is_a?(Apnspush::Error))
      end
    RUBY
    out, err, status = Open3.capture3(env, RbConfig.ruby, "-I", File.join(root, "lib"), "-e", script)
    assert status.success?, err
    JSON.parse(out, symbolize_names: true)
  end

  # A copy of the gem's lib/ at `dir`/bindings/ruby, optionally inside a fake checkout.
  def copy_gem(dir, checkout:)
    root = File.join(dir, "bindings/ruby")
    FileUtils.mkdir_p(root)
    FileUtils.cp_r(File.join(GEM_ROOT, "lib"), root)
    if checkout
      FileUtils.touch(File.join(dir, "Cargo.toml"))
      FileUtils.cp(File.join(GEM_ROOT, "apnspush.gemspec"), root)
    end
    root
  end

  def no_system_library?
    !`ldconfig -p 2>/dev/null`.include?("libapnspush.so")
  end

  def test_versions_agree
    workspace = File.read(File.join(REPO_ROOT, "Cargo.toml"))[/^\[workspace\.package\].*?^version = "([^"]+)"/m, 1]
    assert_equal workspace, Apnspush::VERSION
    assert_equal Apnspush::VERSION, Apnspush.version
    spec = Gem::Specification.load(File.join(GEM_ROOT, "apnspush.gemspec"))
    assert_equal Apnspush::VERSION, spec.version.to_s
    assert_equal Dir.glob("lib/**/*.rb", base: GEM_ROOT).sort, spec.files
  end

  def test_this_checkout_loads_apnspush_lib_or_its_own_build
    assert_equal ENV.fetch("APNSPUSH_LIB", "").empty? ? BUILT : ENV["APNSPUSH_LIB"], Apnspush.library_path
  end

  def test_apnspush_lib_is_the_only_candidate_when_set
    missing = "/nonexistent/apnspush/libapnspush.so"
    result = load_in_child(GEM_ROOT, "APNSPUSH_LIB" => missing, "LD_LIBRARY_PATH" => File.dirname(LIB))
    assert_equal [missing], result[:tried].map(&:first)
    assert result[:apnspush_error], "LibraryNotFoundError is an Apnspush::Error"
    assert_includes result[:error], missing
    assert_includes result[:error], "APNSPUSH_LIB"

    assert_equal({ loaded: LIB, version: Apnspush::VERSION }, load_in_child(GEM_ROOT, "APNSPUSH_LIB" => LIB))
  end

  def test_a_checkout_tries_its_build_then_the_system_loader
    Dir.mktmpdir do |dir|
      root = copy_gem(dir, checkout: true)
      own = File.join(dir, "target/release/libapnspush.so")
      env = { "APNSPUSH_LIB" => nil, "LD_LIBRARY_PATH" => nil }
      if no_system_library?
        result = load_in_child(root, env)
        assert_equal [own, "libapnspush.so"], result[:tried].map(&:first)
        result[:tried].each { |path, why| assert_includes why, path }
      end
      assert_equal "libapnspush.so", load_in_child(root, env.merge("LD_LIBRARY_PATH" => File.dirname(LIB)))[:loaded]

      FileUtils.mkdir_p(File.dirname(own))
      FileUtils.ln_s(LIB, own)
      assert_equal own, load_in_child(root, env)[:loaded]
    end
  end

  def test_an_installed_gem_uses_the_system_loader
    Dir.mktmpdir do |dir|
      root = copy_gem(dir, checkout: false)
      env = { "APNSPUSH_LIB" => nil, "LD_LIBRARY_PATH" => nil }
      if no_system_library?
        result = load_in_child(root, env)
        assert_equal ["libapnspush.so"], result[:tried].map(&:first)
        assert_includes result[:error], "scripts/install-c.sh"
      end
      assert_equal "libapnspush.so", load_in_child(root, env.merge("LD_LIBRARY_PATH" => File.dirname(LIB)))[:loaded]
    end
  end
end
