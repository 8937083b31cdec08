// config_test.cpp: the daemon's YAML config loader: defaults, the embedded file, and every kind
// of error with its file:line:column.
#include <gtest/gtest.h>

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
  ASSERT_EQ(cfg->sinks.size(), 2u);
  EXPECT_EQ(cfg->sinks[0].path, cfg->state_dir / "bounces.jsonl");
  EXPECT_FALSE(cfg->null_mode);
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
            "shutdown_timeout, lmtp, maildirs, quarantine, sinks, dedup, metrics)");
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

}  // namespace
}  // namespace bounced
