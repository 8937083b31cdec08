// hygiene_cli.hpp: small pieces shared by the list-hygiene subcommands (verp, suppressions, stats):
// option reading ("--name VALUE" and "--name=VALUE"), durations, UTC time text, the store location.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "store.hpp"

namespace bounced::cli {

// Walks argv[first..argc). For an option that takes a value, value() returns it from "--x=V" or
// the next argument; missing values are reported once through `error`.
class ArgReader {
 public:
  ArgReader(int argc, char** argv, int first = 1) : argc_(argc), argv_(argv), i_(first) {}
  bool done() const { return i_ >= argc_; }
  std::string_view current() const { return argv_[i_]; }
  void next() { ++i_; }
  // True when the current argument is option `name` (with or without "=VALUE").
  bool is(std::string_view name) const;
  // The value of the current option (consumes it and, when separate, the next argument).
  std::optional<std::string> value();

 private:
  int argc_;
  char** argv_;
  int i_;
};

// "90", "90s", "30m", "1h", "7d", "2w" -> seconds.
std::optional<std::int64_t> parse_window(std::string_view text);

// 2026-01-01T00:00:00Z; "-" for 0.
std::string format_utc(std::int64_t unix_seconds);

// Opens the store named by --db (required until the daemon's config supplies a state_dir).
// Prints the error and returns nullptr on failure. `create` = false for read-only uses.
std::unique_ptr<Store> open_store_for_cli(const std::string& db_path, const char* command, bool create);

}  // namespace bounced::cli
