// hygiene_cli.cpp: see hygiene_cli.hpp.
#include "hygiene_cli.hpp"

#include <charconv>
#include <cstdio>
#include <ctime>

namespace bounced::cli {

bool ArgReader::is(std::string_view name) const {
  const std::string_view a = current();
  return a == name || (a.size() > name.size() && a.substr(0, name.size()) == name && a[name.size()] == '=');
}

std::optional<std::string> ArgReader::value() {
  const std::string_view a = current();
  if (const auto eq = a.find('='); eq != std::string_view::npos && a.substr(0, 2) == "--") {
    ++i_;
    return std::string(a.substr(eq + 1));
  }
  if (i_ + 1 >= argc_) {
    ++i_;
    return std::nullopt;
  }
  std::string v = argv_[i_ + 1];
  i_ += 2;
  return v;
}

std::optional<std::int64_t> parse_window(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t unit = 1;
  switch (text.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    case 'w': unit = 7 * 86400; break;
    default: unit = 0;
  }
  if (unit != 0) text.remove_suffix(1);
  else unit = 1;
  std::int64_t n = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || p != text.data() + text.size() || n <= 0 || n > 100LL * 365 * 86400 / unit)
    return std::nullopt;
  return n * unit;
}

std::string format_utc(std::int64_t t) {
  if (t == 0) return "-";
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool load_cli_config(const std::string& config_path, const std::string& db_path, const char* command,
                     std::optional<Config>& config) {
  if (config_path.empty() && !db_path.empty()) return true;
  std::vector<std::string> errors;
  config = load_config_file(config_path, errors);
  if (!config) {
    for (const auto& e : errors) std::fprintf(stderr, "bounced %s: %s\n", command, e.c_str());
    return false;
  }
  return true;
}

std::unique_ptr<Store> open_store_for_cli(const std::string& db_arg, const std::optional<Config>& config,
                                          const char* command, bool create) {
  const std::string db_path = !db_arg.empty() ? db_arg : config ? config->store_path().string() : std::string();
  if (db_path.empty()) {
    std::fprintf(stderr, "bounced %s: no store (use --db FILE, or --config with a 'type: sqlite' sink)\n", command);
    return nullptr;
  }
  try {
    SqliteOptions o;
    o.create = create;
    return open_sqlite_store(db_path, o);
  } catch (const StoreError& e) {
    std::fprintf(stderr, "bounced %s: %s\n", command, e.what());
    return nullptr;
  }
}

}  // namespace bounced::cli
