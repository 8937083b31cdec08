// cmd_stats.cpp: `bounced stats [--window 1h] [--by domain|reason|list]` — a table of recent
// recipient results from the store: how many, permanent vs transient, hard bounces, sender-side
// failures (our reputation or configuration, not the subscriber) and new suppressions.
#include <cstdio>
#include <ctime>
#include <string>

#include "commands.hpp"
#include "hygiene_cli.hpp"

namespace bounced::cli {
namespace {

void print_usage(std::FILE* out) {
  std::fprintf(out,
               "usage: bounced stats [--window 1h] [--by domain|reason|list] [--limit N] [--db FILE | --config FILE]\n"
               "  --window W   results received in the last W (90s, 30m, 1h, 7d, 2w; default 1h)\n"
               "  --by KEY     group by receiving domain (default), reason or list\n"
               "  --limit N    at most N rows, largest first (default 50)\n"
               "  --db FILE    the SQLite store (default: the sqlite sink of the configuration)\n"
               "  --config F   the daemon's configuration (default: the embedded one)\n");
}

}  // namespace

int cmd_stats(int argc, char** argv) {
  std::string db, config_path;
  std::int64_t window = 3600;
  std::size_t limit = 50;
  StatsGroup by = StatsGroup::domain;
  const char* by_name = "domain";
  for (ArgReader a(argc, argv, 1); !a.done();) {
    if (a.current() == "--help" || a.current() == "-h") {
      print_usage(stdout);
      return 0;
    } else if (a.is("--db")) {
      db = a.value().value_or("");
    } else if (a.is("--config")) {
      config_path = a.value().value_or("");
    } else if (a.is("--window")) {
      const auto w = parse_window(a.value().value_or(""));
      if (!w) {
        std::fprintf(stderr, "bounced stats: --window takes a duration such as 30m, 1h or 7d\n");
        return 2;
      }
      window = *w;
    } else if (a.is("--by")) {
      const auto v = a.value().value_or("");
      if (v == "domain") by = StatsGroup::domain, by_name = "domain";
      else if (v == "reason") by = StatsGroup::reason, by_name = "reason";
      else if (v == "list") by = StatsGroup::list, by_name = "list";
      else {
        std::fprintf(stderr, "bounced stats: --by is domain, reason or list\n");
        return 2;
      }
    } else if (a.is("--limit")) {
      const auto v = a.value().value_or("");
      try {
        limit = std::stoul(v);
      } catch (...) {
        limit = 0;
      }
      if (limit == 0 || limit > 100000) {
        std::fprintf(stderr, "bounced stats: --limit takes a number from 1 to 100000\n");
        return 2;
      }
    } else {
      std::fprintf(stderr, "bounced stats: unexpected argument '%s'\n", std::string(a.current()).c_str());
      print_usage(stderr);
      return 2;
    }
  }
  std::optional<Config> config;
  if (!load_cli_config(config_path, db, "stats", config)) return 1;
  auto store = open_store_for_cli(db, config, "stats", false);
  if (!store) return 1;
  try {
    const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
    const auto rows = store->stats(now - window, by, limit);
    std::printf("%-32s %9s %9s %9s %9s %11s %10s\n", by_name, "results", "permanent", "transient", "hard",
                "sender-side", "suppressed");
    StatsRow total;
    for (const auto& r : rows) {
      std::printf("%-32s %9lld %9lld %9lld %9lld %11lld %10lld\n", r.key.empty() ? "-" : r.key.c_str(),
                  static_cast<long long>(r.results), static_cast<long long>(r.permanent),
                  static_cast<long long>(r.transient), static_cast<long long>(r.hard),
                  static_cast<long long>(r.sender_side), static_cast<long long>(r.suppressed));
      total.results += r.results;
      total.permanent += r.permanent;
      total.transient += r.transient;
      total.hard += r.hard;
      total.sender_side += r.sender_side;
      total.suppressed += r.suppressed;
    }
    std::printf("%-32s %9lld %9lld %9lld %9lld %11lld %10lld\n", "total (shown rows)",
                static_cast<long long>(total.results), static_cast<long long>(total.permanent),
                static_cast<long long>(total.transient), static_cast<long long>(total.hard),
                static_cast<long long>(total.sender_side), static_cast<long long>(total.suppressed));
    return 0;
  } catch (const StoreError& e) {
    std::fprintf(stderr, "bounced stats: %s\n", e.what());
    return 1;
  }
}

}  // namespace bounced::cli
