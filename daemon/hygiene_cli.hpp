// hygiene_cli.hpp: small pieces shared by the list-hygiene subcommands (verp, suppressions, stats):
// option reading ("--name VALUE" and "--name=VALUE"), durations, UTC time text, the store location.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "config.hpp"
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

// The daemon's configuration for a hygiene command: the --config FILE, or the embedded default
// when neither --config nor --db is given (its first sqlite sink is the store). `config` stays
// empty when only --db is given. Prints the errors and returns false on failure.
bool load_cli_config(const std::string& config_path, const std::string& db_path, const char* command,
                     std::optional<Config>& config);

// Opens the store: --db FILE, else the configuration's sqlite sink. Prints the error and returns
// nullptr on failure. `create` = false for read-only uses.
std::unique_ptr<Store> open_store_for_cli(const std::string& db_path, const std::optional<Config>& config,
                                          const char* command, bool create);

}  // namespace bounced::cli
