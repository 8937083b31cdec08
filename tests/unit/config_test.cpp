// config_test.cpp: the daemon's YAML config loader: defaults, the embedded file, and every kind
// of error with its file:line:column.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "config.hpp"

namespace bounced {
namespace {

std::string first_error(std::string_view yaml) {
  std::vector<std::string> errors;
  auto cfg = load_config(yaml, "t.yaml", errors);
  EXPECT_FALSE(cfg.has_value());
  return errors.empty() ? "" : errors.front();
}

TEST(Config, EmbeddedDefaultIsValid) {
  std::vector<std::string> errors;
  auto cfg = load_config(embedded_config_text(), "<embedded>", errors);
  ASSERT_TRUE(cfg) << (errors.empty() ? "" : errors[0]);
  EXPECT_EQ(cfg->lmtp.listen.size(), 2u);
  EXPECT_EQ(cfg->lmtp.listen[0].port, 2424);
  EXPECT_EQ(cfg->lmtp.listen[1].kind, ListenAddress::Kind::unix_socket);
  EXPECT_EQ(cfg->lmtp.listen[1].path, cfg->state_dir / "lmtp.sock");
  ASSERT_EQ(cfg->maildirs.size(), 1u);
  EXPECT_EQ(cfg->maildirs[0].path, cfg->state_dir / "Maildir");
  ASSERT_EQ(cfg->sinks.size(), 3u);
  EXPECT_EQ(cfg->sinks[0].type, "sqlite");
  EXPECT_EQ(cfg->sinks[0].path, cfg->state_dir / "bounced.db");
  EXPECT_EQ(cfg->store_path(), cfg->state_dir / "bounced.db");
  EXPECT_EQ(cfg->sinks[1].path, cfg->state_dir / "bounces.jsonl");
  EXPECT_TRUE(cfg->hygiene.actions.empty());
  EXPECT_EQ(cfg->hygiene.policy.defaults.soft_threshold, 5);
  EXPECT_FALSE(cfg->null_mode);
  EXPECT_EQ(cfg->workers, 0u);  // auto
}

TEST(Config, WorkersAutoOrACount) {
  std::vector<std::string> errors;
  auto three = load_config("state_dir: /x\nworkers: 3\n", "t.yaml", errors);
  ASSERT_TRUE(three);
  EXPECT_EQ(three->workers, 3u);
  auto automatic = load_config("state_dir: /x\nworkers: auto\n", "t.yaml", errors);
  ASSERT_TRUE(automatic);
  EXPECT_EQ(automatic->workers, 0u);
}

TEST(Config, RelativePathsResolveAgainstStateDir) {
  std::vector<std::string> errors;
  auto cfg = load_config("state_dir: /srv/b\nquarantine: q\nmaildirs:\n  - path: /abs/md\n    after: move\n"
                         "    folder: done\n",
                         "t.yaml", errors);
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->quarantine, "/srv/b/q");
  EXPECT_EQ(cfg->maildirs[0].path, "/abs/md");
  EXPECT_EQ(cfg->maildirs[0].folder, "/srv/b/done");
  EXPECT_EQ(cfg->dedup.path, "/srv/b/seen.log");
}

TEST(Config, ErrorsCarryPositions) {
  EXPECT_EQ(first_error("state_dir: /x\nbogus: 1\n"),
            "t.yaml:2:1: unknown key 'bogus' in the top level (known: state_dir, log_level, null_mode, "
            "shutdown_timeout, workers, lmtp, maildirs, quarantine, sinks, dedup, metrics, hygiene)");
  EXPECT_EQ(first_error("workers: 0\n"), "t.yaml:1:10: 'workers' must be auto or a whole number from 1 to 64, not '0'");
  EXPECT_EQ(first_error("workers: many\n"),
            "t.yaml:1:10: 'workers' must be auto or a whole number from 1 to 64, not 'many'");
  EXPECT_EQ(first_error("lmtp:\n  max_errors: 3\n  max_errors: 4\n"), "t.yaml:3:3: duplicate key 'max_errors' in lmtp");
  EXPECT_EQ(first_error("null_mode: yes\n"), "t.yaml:1:12: 'null_mode' must be true or false, not 'yes'");
  EXPECT_EQ(first_error("lmtp:\n  max_recipients: many\n"),
            "t.yaml:2:19: 'max_recipients' must be a whole number, not 'many'");
  EXPECT_EQ(first_error("lmtp:\n  idle_timeout: 5x\n"),
            "t.yaml:2:17: 'idle_timeout' must be a duration such as 30s, 5m, 2h or 7d, not '5x'");
  EXPECT_EQ(first_error("lmtp:\n  listen: [nowhere]\n"), "t.yaml:2:12: expected HOST:PORT, [IPV6]:PORT or unix:PATH");
  EXPECT_EQ(first_error("sinks:\n  - type: carrier-pigeon\n"),
            "t.yaml:2:11: unknown sink type 'carrier-pigeon' (known: jsonl, log, sqlite)");
  EXPECT_EQ(first_error("lmtp: [1, 2]\n"), "t.yaml:1:7: lmtp must be a mapping");
  EXPECT_EQ(first_error("maildirs:\n  - path: m\n    after: archive\n"),
            "t.yaml:3:12: 'after' must be seen, move or delete, not 'archive'");
  EXPECT_NE(first_error("lmtp: {\n").find("t.yaml:"), std::string::npos);  // YAML syntax error
}

TEST(Config, AllErrorsAreReported) {
  std::vector<std::string> errors;
  EXPECT_FALSE(load_config("a: 1\nb: 2\nlog_level: loud\n", "t.yaml", errors));
  EXPECT_EQ(errors.size(), 3u);
}

TEST(Config, Values) {
  EXPECT_EQ(parse_duration("90"), std::chrono::seconds(90));
  EXPECT_EQ(parse_duration("2h"), std::chrono::seconds(7200));
  EXPECT_FALSE(parse_duration("h"));
  EXPECT_FALSE(parse_duration("-1s"));
  EXPECT_EQ(parse_size("64K"), 65536u);
  EXPECT_EQ(parse_size("32M"), 32u << 20);
  EXPECT_FALSE(parse_size("1.5M"));
  std::string err;
  auto v6 = parse_listen_address("[::1]:25", err);
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 25);
  EXPECT_FALSE(parse_listen_address("host:99999", err));
  EXPECT_FALSE(parse_listen_address("unix:", err));
}

TEST(Config, Hygiene) {
  const std::string dir = ::testing::TempDir() + "bounced-config-hygiene";
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir + "/verp.key") << "0123456789abcdef0123\n";
    std::ofstream(dir + "/hook.key") << "hook-secret\n";
  }
  std::vector<std::string> errors;
  auto cfg = load_config("state_dir: " + dir + R"(
sinks:
  - type: sqlite
hygiene:
  policy:
    hard: count_as_soft
    soft_threshold: 3
    soft_min_span_days: 2
    complaints: ignore
    require_verified: true
    lists:
      news: {soft_threshold: 2, hard: suppress}
  verp:
    prefix: bounce
    list_placement: field
    secret_file: verp.key
    tag_encoding: hex
  attribution:
    list_ids: {News.Example.org: news}
    subscriber_header: X-Listmonk-Subscriber
    list_header: X-Listmonk-Campaign
  actions:
    - type: webhook
      name: hook
      url: http://127.0.0.1:9/x
      secret_file: hook.key
    - type: webhook
      name: lm
      url: https://listmonk.example/webhooks/bounce
      listmonk: true
    - type: command
      argv: [mailman, delmembers, -l, "{list}", -m, "{address}"]
      timeout: 5s
  outbox: {poll: 2s, retry_first: 1s, retry_max: 10s}
)",
                         "t.yaml", errors);
  ASSERT_TRUE(cfg) << (errors.empty() ? "" : errors[0]);
  const auto& h = cfg->hygiene;
  EXPECT_EQ(h.policy.defaults.hard, HardBounceAction::count_as_soft);
  EXPECT_EQ(h.policy.defaults.soft_threshold, 3);
  EXPECT_EQ(h.policy.defaults.soft_min_span_days, 2);
  EXPECT_EQ(h.policy.defaults.soft_stale_days, 30);
  EXPECT_EQ(h.policy.defaults.complaints, ComplaintAction::ignore);
  EXPECT_TRUE(h.policy.defaults.require_verified);
  EXPECT_EQ(h.policy.for_list("news").soft_threshold, 2);
  EXPECT_EQ(h.policy.for_list("news").hard, HardBounceAction::suppress);
  EXPECT_EQ(h.policy.for_list("news").soft_min_span_days, 2);
  EXPECT_EQ(h.attribution.scheme.prefix, "bounce");
  EXPECT_EQ(h.attribution.scheme.list_placement, VerpListPlacement::field);
  EXPECT_EQ(h.attribution.signing.secret, "0123456789abcdef0123");
  EXPECT_EQ(h.attribution.signing.encoding, VerpTagEncoding::hex);
  EXPECT_EQ(h.attribution.list_ids.at("news.example.org"), "news");
  EXPECT_EQ(h.attribution.subscriber_header, "X-Listmonk-Subscriber");
  ASSERT_EQ(h.actions.size(), 3u);
  EXPECT_EQ(h.actions[0].target.webhook.secret, "hook-secret");
  EXPECT_EQ(h.actions[0].events.size(), 4u);
  EXPECT_EQ(h.actions[1].events, std::vector<std::string>{"suppressed"});
  EXPECT_TRUE(h.actions[1].target.webhook.listmonk);
  EXPECT_EQ(h.actions[2].name, "command");
  EXPECT_EQ(h.actions[2].target.command.argv.size(), 6u);
  EXPECT_EQ(h.actions[2].target.command.timeout.count(), 5);
  EXPECT_EQ(h.outbox.retry_first.count(), 1);
  const auto targets = h.outbox_targets();
  ASSERT_EQ(targets.size(), 3u);
  EXPECT_TRUE(targets[0].wants("alert"));
  EXPECT_FALSE(targets[2].wants("alert"));
  std::filesystem::remove_all(dir);
}

TEST(Config, HygieneSummaryTellsAChange) {
  std::vector<std::string> errors;
  auto a = load_config("hygiene: {policy: {soft_threshold: 3}}\n", "t.yaml", errors);
  auto b = load_config("hygiene: {policy: {soft_threshold: 4}}\n", "t.yaml", errors);
  auto c = load_config("hygiene: {policy: {soft_threshold: 3}}\n", "t.yaml", errors);
  ASSERT_TRUE(a && b && c);
  EXPECT_NE(a->hygiene.summary(), b->hygiene.summary());
  EXPECT_EQ(a->hygiene.summary(), c->hygiene.summary());
}

TEST(Config, HygieneErrors) {
  EXPECT_EQ(first_error("hygiene:\n  policy:\n    soft_threshold: 0\n"),
            "t.yaml:3:21: 'soft_threshold' must be between 1 and 1000");
  EXPECT_EQ(first_error("hygiene:\n  policy:\n    hard: maybe\n"),
            "t.yaml:3:11: 'hard' must be suppress or count_as_soft, not 'maybe'");
  EXPECT_EQ(first_error("hygiene:\n  policy:\n    lists:\n      news:\n        soft_treshold: 2\n"),
            "t.yaml:5:9: unknown key 'soft_treshold' in hygiene.policy.lists.news (known: hard, soft_threshold, "
            "soft_min_span_days, soft_stale_days, count_delayed, complaints, require_verified)");
  EXPECT_EQ(first_error("hygiene:\n  verp:\n    separator: '++'\n"), "t.yaml:3:16: 'separator' must be one character");
  EXPECT_EQ(first_error("hygiene:\n  verp:\n    list_placement: after\n"),
            "t.yaml:3:21: 'list_placement' must be before_prefix or field, not 'after'");
  EXPECT_EQ(first_error("sinks: [{type: sqlite}]\nhygiene:\n  actions:\n    - type: pigeon\n"),
            "t.yaml:4:13: unknown action type 'pigeon' (known: webhook, command)");
  EXPECT_EQ(first_error("sinks: [{type: sqlite}]\nhygiene:\n  actions:\n    - type: webhook\n      url: ftp://x\n"),
            "t.yaml:5:12: 'url' must start with http:// or https://");
  EXPECT_EQ(first_error("sinks: [{type: sqlite}]\nhygiene:\n  actions:\n    - type: command\n      argv: []\n"),
            "t.yaml:5:13: a command action needs 'argv': a non-empty list (program first; no shell)");
  EXPECT_EQ(first_error("sinks: [{type: sqlite}]\nhygiene:\n  actions:\n    - type: command\n      argv: [x]\n"
                        "      events: [exploded]\n"),
            "t.yaml:6:16: unknown event 'exploded' (known: suppressed, lifted, alert, resolved)");
  EXPECT_EQ(first_error("sinks: [{type: jsonl}]\nhygiene:\n  actions:\n    - type: command\n      argv: [x]\n"),
            "t.yaml:4:5: actions are delivered from the store's outbox: add a 'type: sqlite' sink");
  EXPECT_EQ(first_error("state_dir: /nonexistent-bounced\nhygiene:\n  verp:\n    secret_file: k\n"),
            "t.yaml:4:18: cannot read /nonexistent-bounced/k: No such file or directory");
  EXPECT_EQ(first_error("hygiene:\n  policy:\n    require_verified: true\n"),
            "t.yaml:3:23: 'require_verified' needs signed VERP (hygiene.verp.secret_file)");
}

}  // namespace
}  // namespace bounced
