// cmd_record.cpp: `bounced record --db FILE [PATH|-]...` — parse bounces and record them in the
// store, applying VERP attribution and the suppression policy, exactly as the daemon's sqlite sink
// does for mail it receives. For backfilling from an archive, for a Postfix pipe(8) transport
// without the daemon, and for tests. Idempotent: a message already recorded is reported as a
// duplicate (the key is the SHA-256 of the message's bytes).
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "attribution.hpp"
#include "commands.hpp"
#include "digest.hpp"
#include "guard.hpp"
#include "hygiene_cli.hpp"
#include "pipeline.hpp"
#include "read_file.hpp"

namespace bounced::cli {
namespace {

constexpr std::size_t kMaxSecretBytes = 4096;

void print_usage(std::FILE* out) {
  std::fprintf(out,
               "usage: bounced record [--db FILE | --config FILE] [--rcpt ADDRESS] [--list LIST] [--source NAME] [--time T]\n"
               "                      [--secret-file FILE] [--require-verified] [PATH|-]...\n"
               "  PATH            a message file, an mbox file or a directory ('-' or nothing: stdin)\n"
               "  --db FILE       the SQLite store (created when missing; default: the sqlite\n"
               "                  sink of the configuration)\n"
               "  --config FILE   the daemon's configuration (default: the embedded one): its\n"
               "                  policy, VERP, attribution and actions apply\n"
               "  --rcpt ADDRESS  the bounce's envelope recipient (VERP address); default: the\n"
               "                  message's own X-Original-To or Delivered-To header\n"
               "  --list LIST     attribute every message to LIST (else VERP, else List-Id)\n"
               "  --source NAME   recorded as the messages' source (default: cli)\n"
               "  --time T        the time the policy sees: unix seconds, YYYY-MM-DD or\n"
               "                  YYYY-MM-DDTHH:MM:SSZ (default: now)\n"
               "  --secret-file F the signed-VERP secret\n"
               "  --require-verified  only bounces with a valid VERP signature change state\n");
}

std::optional<std::int64_t> parse_time(std::string_view s) {
  if (!s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }) && s.size() < 12)
    return std::stoll(std::string(s));
  std::tm tm{};
  const std::string str(s);
  const char* end = strptime(str.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (!end || *end) {
    tm = std::tm{};
    end = strptime(str.c_str(), "%Y-%m-%d", &tm);
    if (!end || *end) return std::nullopt;
  }
  return static_cast<std::int64_t>(timegm(&tm));
}

bool read_secret(const std::string& path, std::string& secret) {
  std::ifstream in(path, std::ios::binary);
  std::string data(kMaxSecretBytes + 1, '\0');
  if (in) in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(in ? data.size() : static_cast<std::size_t>(in.gcount()));
  while (!data.empty() && (data.back() == '\n' || data.back() == '\r')) data.pop_back();
  if (data.empty() || data.size() > kMaxSecretBytes) {
    std::fprintf(stderr, "bounced record: cannot use secret file %s (missing, empty or too large)\n", path.c_str());
    return false;
  }
  secret = std::move(data);
  return true;
}

}  // namespace

int cmd_record(int argc, char** argv) {
  std::string db, config_path, rcpt, list, source = "cli", secret_file;
  std::optional<std::int64_t> when;
  bool require_verified = false;
  std::vector<std::string> paths;
  for (ArgReader a(argc, argv, 1); !a.done();) {
    if (a.current() == "--help" || a.current() == "-h") {
      print_usage(stdout);
      return 0;
    } else if (a.current() == "--require-verified") {
      require_verified = true;
      a.next();
    } else if (a.is("--db")) {
      db = a.value().value_or("");
    } else if (a.is("--config")) {
      config_path = a.value().value_or("");
    } else if (a.is("--rcpt")) {
      rcpt = a.value().value_or("");
    } else if (a.is("--list")) {
      list = a.value().value_or("");
      if (!is_valid_list_name(list)) {
        std::fprintf(stderr, "bounced record: --list takes letters, digits, '.', '_' and '-' (at most 64)\n");
        return 2;
      }
    } else if (a.is("--source")) {
      source = a.value().value_or("");
    } else if (a.is("--secret-file")) {
      secret_file = a.value().value_or("");
    } else if (a.is("--time")) {
      when = parse_time(a.value().value_or(""));
      if (!when) {
        std::fprintf(stderr, "bounced record: --time takes unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ\n");
        return 2;
      }
    } else if (a.current().size() > 1 && a.current()[0] == '-') {
      std::fprintf(stderr, "bounced record: unknown option '%s'\n", std::string(a.current()).c_str());
      print_usage(stderr);
      return 2;
    } else {
      paths.emplace_back(a.current());
      a.next();
    }
  }
  if (paths.empty()) paths.emplace_back("-");
  std::optional<Config> config;
  if (!load_cli_config(config_path, db, "record", config)) return 1;
  // The daemon's policy, VERP and attribution settings when a configuration is in use.
  AttributionConfig attribution = config ? config->hygiene.attribution : AttributionConfig{};
  if (!secret_file.empty() && !read_secret(secret_file, attribution.signing.secret)) return 1;
  if (const auto e = validate(attribution.signing); !e.empty()) {
    std::fprintf(stderr, "bounced record: %s\n", e.c_str());
    return 2;
  }
  auto store = open_store_for_cli(db, config, "record", true);
  if (!store) return 1;
  PolicySet policies = config ? config->hygiene.policy : PolicySet{};
  if (require_verified) policies.defaults.require_verified = true;
  RecordOptions options;
  options.policy = &policies;
  if (config) options.outbox_targets = config->hygiene.outbox_targets();

  bool all_ok = true;
  std::string buffer;
  for (const auto& f : expand_input_paths(paths)) {
    std::string error;
    if (!read_whole_file(f, buffer, error)) {
      std::fprintf(stderr, "bounced record: %s: %s\n", f.c_str(), error.c_str());
      all_ok = false;
      continue;
    }
    const std::string display = f == "-" ? "<stdin>" : f;
    const auto pieces = split_mbox(buffer);
    // All messages of one file go in one transaction (group commit).
    std::vector<ParseOutcome> outcomes;
    outcomes.reserve(pieces.size());
    std::vector<IncomingMessage> batch;
    batch.reserve(pieces.size());
    std::vector<std::string> names;
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      const std::string name = pieces.size() > 1 ? display + "#" + std::to_string(i + 1) : display;
      outcomes.push_back(parse_message(pieces[i]));
      if (!outcomes.back().ok()) {
        std::fprintf(stderr, "bounced record: %s: %s\n", name.c_str(), to_string(outcomes.back().error));
        all_ok = false;
        continue;
      }
      IncomingMessage m;
      m.content_hash = digest::sha256_hex(pieces[i]);
      m.source = source;
      m.received_at = when.value_or(static_cast<std::int64_t>(std::time(nullptr)));
      m.envelope_recipient = rcpt.empty() ? envelope_recipient_from_header(pieces[i], attribution) : rcpt;
      m.report = &outcomes.back().report;
      auto attr = attribute(*m.report, m.envelope_recipient, attribution);
      m.list = list.empty() ? attr.list : list;
      if (!list.empty())
        for (auto& r : attr.recipients) r.list = list;
      m.attribution = std::move(attr.recipients);
      batch.push_back(std::move(m));
      names.push_back(name);
    }
    if (batch.empty()) continue;
    try {
      const auto results = store->record_batch(batch, options);
      for (std::size_t i = 0; i < results.size(); ++i) {
        if (results[i].duplicate) {
          std::printf("%s: already recorded\n", names[i].c_str());
          continue;
        }
        if (results[i].recipients.empty()) std::printf("%s: no recipients (not a bounce)\n", names[i].c_str());
        for (const auto& r : results[i].recipients)
          std::printf("%s: %s%s%s -> %s%s%s\n", names[i].c_str(), r.address.c_str(), r.list.empty() ? "" : " list ",
                      r.list.c_str(), to_string(r.decision.verdict),
                      r.decision.verdict == Verdict::suppress ? " " : "",
                      r.decision.verdict == Verdict::suppress ? to_string(r.decision.kind) : "");
      }
    } catch (const StoreError& e) {
      std::fprintf(stderr, "bounced record: %s: %s\n", display.c_str(), e.what());
      return 1;
    }
  }
  std::fflush(stdout);
  return all_ok ? 0 : 1;
}

}  // namespace bounced::cli
