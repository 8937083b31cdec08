// cmd_suppressions.cpp: `bounced suppressions list|show|lift|export` — the operator's view of the
// store: which addresses are suppressed and why, one address's whole history, lifting a
// suppression (which also restarts its soft-bounce count), and exports for mailing-list software
// (JSON Lines, CSV) or a Postfix access(5) table.
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <set>
#include <string>
#include <string_view>

#include "commands.hpp"
#include "hygiene_cli.hpp"
#include "json.hpp"
#include "verp.hpp"

namespace bounced::cli {
namespace {

enum class ExportFormat { jsonl, csv, postfix_access };

void print_usage(std::FILE* out) {
  std::fprintf(out,
               "usage: bounced suppressions list [--all] [--list LIST] [--db FILE | --config FILE]\n"
               "       bounced suppressions show ADDRESS [--db FILE | --config FILE]\n"
               "       bounced suppressions lift ADDRESS [--list LIST] [--by WHO] [--db FILE | --config FILE]\n"
               "       bounced suppressions export --format jsonl|csv|postfix-access [--all] [--list LIST] [--db FILE | --config FILE]\n"
               "  list    active suppressions (--all: lifted ones too), one per line\n"
               "  show    the address's state per list, its suppressions and recent results\n"
               "  lift    end the address's active suppressions (on LIST, or on every list);\n"
               "          --by names who did it (default: $SUDO_USER, $USER, or 'cli')\n"
               "  export  jsonl: one JSON object per suppression; csv: RFC 4180 with a header;\n"
               "          postfix-access: 'ADDRESS REJECT 5.x.x text' lines for postmap, one per address\n"
               "  --list LIST  only that list ('' = suppressions with no list)\n"
               "  --db FILE    the SQLite store (default: the sqlite sink of the configuration)\n"
               "  --config F   the daemon's configuration (default: the embedded one)\n");
}

std::string default_actor() {
  for (const char* var : {"SUDO_USER", "USER", "LOGNAME"})
    if (const char* v = std::getenv(var); v && *v) return v;
  return "cli";
}

std::string csv_field(std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(v);
  std::string o = "\"";
  for (char c : v) {
    if (c == '"') o += '"';
    o += c;
  }
  o += '"';
  return o;
}

// Enhanced status for the access table's REJECT text, by suppression kind.
const char* access_status(SuppressionKind k) {
  switch (k) {
    case SuppressionKind::hard: return "5.1.1";
    case SuppressionKind::soft: return "5.2.0";
    case SuppressionKind::complaint:
    case SuppressionKind::manual: return "5.7.1";
  }
  return "5.7.1";
}

std::string suppression_json(const Suppression& s) {
  std::string o = "{\"id\": " + std::to_string(s.id) + ", \"address\": ";
  append_json_string(o, s.address);
  o += ", \"list\": ";
  append_json_string(o, s.list);
  o += ", \"kind\": ";
  append_json_string(o, to_string(s.kind));
  o += ", \"reason\": ";
  append_json_string(o, s.reason);
  o += ", \"since\": \"" + format_utc(s.since) + "\"";
  o += ", \"active\": ";
  o += s.active ? "true" : "false";
  o += ", \"cause_result_id\": " + std::to_string(s.cause_result_id);
  if (!s.active) {
    o += ", \"lifted_at\": \"" + format_utc(s.lifted_at) + "\", \"lifted_by\": ";
    append_json_string(o, s.lifted_by);
  }
  o += "}";
  return o;
}

void print_suppression_line(const Suppression& s) {
  std::printf("%-40s %-16s %-9s %-16s %s", s.address.c_str(), s.list.empty() ? "-" : s.list.c_str(),
              to_string(s.kind), s.reason.empty() ? "-" : s.reason.c_str(), format_utc(s.since).c_str());
  if (!s.active) std::printf("  lifted %s by %s", format_utc(s.lifted_at).c_str(), s.lifted_by.c_str());
  std::printf("\n");
}

int do_show(Store& store, const std::string& address) {
  const auto r = store.show(address);
  if (r.states.empty() && r.suppressions.empty() && r.recent.empty()) {
    std::fprintf(stderr, "bounced suppressions: no record of %s\n", r.address.c_str());
    return 1;
  }
  std::printf("address: %s\n", r.address.c_str());
  for (const auto& [list, st] : r.states) {
    std::printf("list %s:%s\n", list.empty() ? "(none)" : list.c_str(), st.suppressed ? " SUPPRESSED" : "");
    std::printf("  bounces: hard %lld, soft %lld, sender-side %lld, complaints %lld, delayed %lld\n",
                static_cast<long long>(st.hard_count), static_cast<long long>(st.soft_count),
                static_cast<long long>(st.sender_side_count), static_cast<long long>(st.complaint_count),
                static_cast<long long>(st.delayed_count));
    std::printf("  first bounce %s, last bounce %s, last success %s\n", format_utc(st.first_bounce_at).c_str(),
                format_utc(st.last_bounce_at).c_str(), format_utc(st.last_success_at).c_str());
    std::printf("  soft window: %d day(s) counted, %s .. %s\n", st.window_days, format_utc(st.window_first_at).c_str(),
                format_utc(st.window_last_at).c_str());
  }
  if (!r.suppressions.empty()) {
    std::printf("suppressions:\n");
    for (const auto& s : r.suppressions) {
      std::printf("  #%lld %s %s %s since %s%s", static_cast<long long>(s.id), s.list.empty() ? "-" : s.list.c_str(),
                  to_string(s.kind), s.reason.c_str(), format_utc(s.since).c_str(), s.active ? " (active)" : "");
      if (!s.active) std::printf(" lifted %s by %s", format_utc(s.lifted_at).c_str(), s.lifted_by.c_str());
      std::printf("\n");
    }
  }
  if (!r.recent.empty()) {
    std::printf("recent results:\n");
    for (const auto& x : r.recent)
      std::printf("  %s %s %s %s %s%s -> %s%s\n", format_utc(x.received_at).c_str(), x.list.empty() ? "-" : x.list.c_str(),
                  x.reason.empty() ? "-" : x.reason.c_str(), x.status.empty() ? "-" : x.status.c_str(),
                  x.status_class.empty() ? "-" : x.status_class.c_str(), x.hard_bounce ? " hard" : "",
                  x.decision.c_str(), x.verified ? " (verified)" : "");
  }
  return 0;
}

int do_export(Store& store, ExportFormat format, const SuppressionQuery& q) {
  const auto rows = store.suppressions(q);
  switch (format) {
    case ExportFormat::jsonl:
      for (const auto& s : rows) std::printf("%s\n", suppression_json(s).c_str());
      break;
    case ExportFormat::csv:
      std::printf("address,list,kind,reason,since,active,lifted_at,lifted_by\r\n");
      for (const auto& s : rows)
        std::printf("%s,%s,%s,%s,%s,%s,%s,%s\r\n", csv_field(s.address).c_str(), csv_field(s.list).c_str(),
                    to_string(s.kind), csv_field(s.reason).c_str(), format_utc(s.since).c_str(),
                    s.active ? "true" : "false", s.active ? "" : format_utc(s.lifted_at).c_str(),
                    csv_field(s.lifted_by).c_str());
      break;
    case ExportFormat::postfix_access: {
      // An access table has one entry per key: the first (oldest-listed) active suppression wins.
      std::printf("# Postfix access(5) table generated by bounced: postmap this file and use it with\n"
                  "# check_recipient_access on the submission path of the list server.\n");
      std::set<std::string> seen;
      for (const auto& s : rows) {
        if (!s.active || !seen.insert(s.address).second) continue;
        std::printf("%s REJECT %s Recipient suppressed by bounced (%s%s%s) since %s\n", s.address.c_str(),
                    access_status(s.kind), to_string(s.kind), s.reason.empty() ? "" : ": ", s.reason.c_str(),
                    format_utc(s.since).substr(0, 10).c_str());
      }
      break;
    }
  }
  return 0;
}

}  // namespace

int cmd_suppressions(int argc, char** argv) {
  if (argc < 2) {
    print_usage(stderr);
    return 2;
  }
  const std::string action = argv[1];
  if (action == "--help" || action == "-h" || action == "help") {
    print_usage(stdout);
    return 0;
  }
  if (action != "list" && action != "show" && action != "lift" && action != "export") {
    std::fprintf(stderr, "bounced suppressions: unknown action '%s'\n", action.c_str());
    print_usage(stderr);
    return 2;
  }
  std::string db, config_path, address, by = default_actor();
  std::optional<std::string> list;
  std::optional<ExportFormat> format;
  bool all = false;
  for (ArgReader a(argc, argv, 2); !a.done();) {
    if (a.current() == "--help" || a.current() == "-h") {
      print_usage(stdout);
      return 0;
    } else if (a.current() == "--all") {
      all = true;
      a.next();
    } else if (a.is("--db")) {
      db = a.value().value_or("");
    } else if (a.is("--config")) {
      config_path = a.value().value_or("");
    } else if (a.is("--list")) {
      list = a.value();
      if (!list) {
        std::fprintf(stderr, "bounced suppressions: --list needs a value\n");
        return 2;
      }
    } else if (a.is("--by")) {
      by = a.value().value_or("");
      if (by.empty() || by.size() > 200) {
        std::fprintf(stderr, "bounced suppressions: --by needs a name (at most 200 bytes)\n");
        return 2;
      }
    } else if (a.is("--format")) {
      const auto f = a.value().value_or("");
      if (f == "jsonl") format = ExportFormat::jsonl;
      else if (f == "csv") format = ExportFormat::csv;
      else if (f == "postfix-access") format = ExportFormat::postfix_access;
      else {
        std::fprintf(stderr, "bounced suppressions: --format is jsonl, csv or postfix-access\n");
        return 2;
      }
    } else if (a.current().size() > 1 && a.current()[0] == '-') {
      std::fprintf(stderr, "bounced suppressions: unknown option '%s'\n", std::string(a.current()).c_str());
      print_usage(stderr);
      return 2;
    } else if (address.empty() && (action == "show" || action == "lift")) {
      address = a.current();
      a.next();
    } else {
      std::fprintf(stderr, "bounced suppressions: unexpected argument '%s'\n", std::string(a.current()).c_str());
      return 2;
    }
  }
  if ((action == "show" || action == "lift") && address.empty()) {
    std::fprintf(stderr, "bounced suppressions %s: no ADDRESS given\n", action.c_str());
    return 2;
  }
  if (action == "export" && !format) {
    std::fprintf(stderr, "bounced suppressions export: --format jsonl|csv|postfix-access is required\n");
    return 2;
  }
  std::optional<Config> config;
  if (!load_cli_config(config_path, db, "suppressions", config)) return 1;
  auto store = open_store_for_cli(db, config, "suppressions", false);
  if (!store) return 1;
  try {
    SuppressionQuery q;
    q.active_only = !all;
    q.list = list;
    if (action == "list") {
      for (const auto& s : store->suppressions(q)) print_suppression_line(s);
      return 0;
    }
    if (action == "show") return do_show(*store, address);
    if (action == "export") return do_export(*store, *format, q);
    // lift
    RecordOptions options;  // the configured actions hear of the lift (the daemon delivers it)
    if (config) options.outbox_targets = config->hygiene.outbox_targets();
    const auto lifted = store->lift(address, list, by, static_cast<std::int64_t>(std::time(nullptr)), options);
    if (lifted.empty()) {
      std::fprintf(stderr, "bounced suppressions: %s has no active suppression%s\n", normalize_address(address).c_str(),
                   list ? (" on list '" + *list + "'").c_str() : "");
      return 1;
    }
    for (const auto& s : lifted) print_suppression_line(s);
    return 0;
  } catch (const StoreError& e) {
    std::fprintf(stderr, "bounced suppressions: %s\n", e.what());
    return 1;
  }
}

}  // namespace bounced::cli
